using Microsoft.Extensions.Logging;
using Skiff.Logging;

namespace Skiff.Cli.Tests.Logging;

public sealed class ConsoleLoggingTests
{
    [Fact]
    public void Create_SkiffInformation_IsLogged()
    {
        using var factory = ConsoleLogging.Create();

        Assert.True(factory.CreateLogger("Skiff.Server").IsEnabled(LogLevel.Information));
        Assert.False(factory.CreateLogger("Skiff.Server").IsEnabled(LogLevel.Debug));
    }

    [Fact]
    public void Create_HostStartFailure_IsLeftToTheServerCommand()
    {
        using var factory = ConsoleLogging.Create();

        // The host logs a failed start (e.g. port in use) with a stack trace and rethrows; skiff reports it in one line.
        Assert.False(factory.CreateLogger("Microsoft.Extensions.Hosting.Internal.Host").IsEnabled(LogLevel.Error));
        Assert.False(factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").IsEnabled(LogLevel.Warning));
    }
}
