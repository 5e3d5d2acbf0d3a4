using FtpTools.Core.Tests.Servers;

namespace FtpTools.Core.Tests.Transfers;

// One class per real session: each runs every shared test body of TransferBehaviours.

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SftpServerTransferTests : TransferBehaviours
{
    protected override SessionTarget Target { get; } = new SftpServerTarget();
}

[Xunit.Collection("vsftpd")]
public sealed class VsftpdTransferTests : TransferBehaviours
{
    public VsftpdTransferTests(VsftpdFixture fixture) => Target = new FixtureTarget(fixture, RemoteProtocol.Ftp);

    protected override SessionTarget Target { get; }
}

[Xunit.Collection("proftpd")]
public sealed class ProftpdTransferTests : TransferBehaviours
{
    public ProftpdTransferTests(ProftpdFixture fixture) => Target = new FixtureTarget(fixture, RemoteProtocol.Ftp);

    protected override SessionTarget Target { get; }
}

[Xunit.Collection("sshd")]
public sealed class SshdTransferTests : TransferBehaviours
{
    public SshdTransferTests(SshdFixture fixture) => Target = new FixtureTarget(fixture, RemoteProtocol.Sftp);

    protected override SessionTarget Target { get; }
}

[Xunit.Collection("vsftpd")]
public sealed class VsftpdExplicitTlsTransferTests : TransferBehaviours
{
    public VsftpdExplicitTlsTransferTests(VsftpdFixture fixture) => Target = new FixtureTarget(fixture, RemoteProtocol.Ftpes);

    protected override SessionTarget Target { get; }
}

[Xunit.Collection("vsftpd")]
public sealed class VsftpdImplicitTlsTransferTests : TransferBehaviours
{
    public VsftpdImplicitTlsTransferTests(VsftpdFixture fixture) => Target = new FixtureTarget(fixture, RemoteProtocol.Ftps, fixture.ImplicitTlsPort);

    protected override SessionTarget Target { get; }
}

[Xunit.Collection("proftpd")]
public sealed class ProftpdExplicitTlsTransferTests : TransferBehaviours
{
    public ProftpdExplicitTlsTransferTests(ProftpdFixture fixture) => Target = new FixtureTarget(fixture, RemoteProtocol.Ftpes);

    protected override SessionTarget Target { get; }
}

[Xunit.Collection("pure-ftpd")]
public sealed class PureFtpdTransferTests : TransferBehaviours
{
    public PureFtpdTransferTests(PureFtpdFixture fixture) => Target = new FixtureTarget(fixture, RemoteProtocol.Ftpes);

    protected override SessionTarget Target { get; }
}
