using System.CommandLine;
using Skiff.Logging;
using Skiff.Server;

namespace Skiff.Cli;

/// <summary>The root <c>skiff</c> command with every subcommand registered (like k3s's single main).</summary>
internal static class SkiffCommandLine
{
    /// <summary>Builds the command tree; each subcommand's action is a thin call into its command class.</summary>
    public static RootCommand Create()
    {
        var server = new ServerCommandLine(DataDirectory.DefaultPathForCurrentUser);
        server.Command.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = server.Bind(parseResult);
            using var loggerFactory = ConsoleLogging.Create();
            return await new ServerCommand(loggerFactory, TimeProvider.System).RunAsync(options, cancellationToken).ConfigureAwait(false);
        });

        var kubeconfig = new KubeconfigCommandLine(DataDirectory.DefaultPathForCurrentUser);
        kubeconfig.Command.SetAction(parseResult => KubeconfigCommand.Run(kubeconfig.DataDir(parseResult), Console.Out, Console.Error));

        var images = new ImagesCommandLine(DataDirectory.DefaultPathForCurrentUser);
        var datastore = new DatastoreCommandLine(DataDirectory.DefaultPathForCurrentUser);
        datastore.Save.SetAction(async (parseResult, cancellationToken) =>
        {
            using var loggerFactory = ConsoleLogging.Create();
            return await new Datastore.SnapshotCommand(loggerFactory, Console.Out, Console.Error).SaveAsync(
                parseResult.GetValue(datastore.SaveFile)!, datastore.DataDir(parseResult), datastore.Endpoint(parseResult), datastore.Tls(parseResult), cancellationToken).ConfigureAwait(false);
        });
        datastore.Restore.SetAction(async (parseResult, cancellationToken) =>
        {
            using var loggerFactory = ConsoleLogging.Create();
            return await new Datastore.SnapshotCommand(loggerFactory, Console.Out, Console.Error).RestoreAsync(
                parseResult.GetValue(datastore.RestoreFile)!, datastore.DataDir(parseResult), datastore.Endpoint(parseResult), datastore.Tls(parseResult), cancellationToken).ConfigureAwait(false);
        });

        return new RootCommand("Skiff: Kubernetes in one process")
        {
            server.Command,
            kubeconfig.Command,
            images.Command,
            new AgentCommandLine().Command,
            new TokenCommandLine(DataDirectory.DefaultPathForCurrentUser).Command,
            new SimCommandLine().Command,
            datastore.Command,
        };
    }
}
