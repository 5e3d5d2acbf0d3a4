using FtpTools.Core.Tests.Servers;

namespace FtpTools.Core.Tests.Transfers;

// One class per real session: each runs every shared test body of TransferBehaviours.
// Not run here yet, because the FTP session (branch ftp at 6e68cd1) fails them, not the engine:
// vsftpd over AUTH TLS (522 "session reuse required" on data connections, then 20 s reply timeouts) and
// pure-ftpd (the first command after a cancelled RETR waits 20 s for a reply that never comes).

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
