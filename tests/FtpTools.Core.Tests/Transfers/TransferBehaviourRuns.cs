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
