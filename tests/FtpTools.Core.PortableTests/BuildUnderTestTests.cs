using System.Reflection;
using System.Runtime.Versioning;
using Xunit;

namespace FtpTools.Core.PortableTests;

public class BuildUnderTestTests
{
    [Fact]
    public void The_core_under_test_is_the_netstandard20_build()
    {
        var framework = typeof(ConnectionOptions).Assembly.GetCustomAttribute<TargetFrameworkAttribute>();
        Assert.Equal(".NETStandard,Version=v2.0", framework?.FrameworkName);
    }
}
