using System.CommandLine;
using Skiff.Server;

namespace Skiff.Cli;

/// <summary>The <c>skiff datastore snapshot save|restore FILE</c> command line; datastore flags as <c>skiff server</c> names them.</summary>
internal sealed class DatastoreCommandLine
{
    private readonly Option<string> _dataDir;
    private readonly Option<string?> _endpoint;
    private readonly Option<string?> _caFile;
    private readonly Option<string?> _certFile;
    private readonly Option<string?> _keyFile;
    private readonly Option<string?> _etcdPrefix;

    public DatastoreCommandLine(Func<string> defaultDataDir)
    {
        _dataDir = new Option<string>("--data-dir", "-d")
        {
            Description = "The server's data directory (its SQLite database is used unless --datastore-endpoint names another)",
            DefaultValueFactory = _ => defaultDataDir(),
        };
        _endpoint = new Option<string?>("--datastore-endpoint") { Description = "Datastore: sqlite://PATH or http(s)://HOST:PORT for etcd" };
        _caFile = new Option<string?>("--datastore-cafile") { Description = "TLS CA file of the etcd server" };
        _certFile = new Option<string?>("--datastore-certfile") { Description = "TLS client certificate for etcd" };
        _keyFile = new Option<string?>("--datastore-keyfile") { Description = "Private key of --datastore-certfile" };
        _etcdPrefix = new Option<string?>("--etcd-prefix") { Description = "Prefix of every etcd key, as given to skiff server" };

        Save = Leaf("save", "Save a consistent snapshot of every object to FILE (the cluster may keep running)", out var saveFile);
        Restore = Leaf("restore", "Make the datastore hold exactly the objects in FILE (stop every server first)", out var restoreFile);
        SaveFile = saveFile;
        RestoreFile = restoreFile;
        Command = new Command("datastore", "Datastore maintenance")
        {
            new Command("snapshot", "Save or restore a datastore snapshot") { Save, Restore },
        };
    }

    public Command Command { get; }

    public Command Save { get; }

    public Command Restore { get; }

    public Argument<string> SaveFile { get; }

    public Argument<string> RestoreFile { get; }

    public string DataDir(ParseResult parseResult) => parseResult.GetValue(_dataDir)!;

    public string? Endpoint(ParseResult parseResult) => parseResult.GetValue(_endpoint);

    public DatastoreTls Tls(ParseResult parseResult) =>
        new(parseResult.GetValue(_caFile), parseResult.GetValue(_certFile), parseResult.GetValue(_keyFile), parseResult.GetValue(_etcdPrefix));

    private Command Leaf(string name, string description, out Argument<string> file)
    {
        file = new Argument<string>("FILE") { Description = "The snapshot file" };
        return new Command(name, description) { file, _dataDir, _endpoint, _caFile, _certFile, _keyFile, _etcdPrefix };
    }
}
