using Microsoft.Extensions.Logging;
using Skiff.IO;
using Skiff.Storage;

namespace Skiff.Bootstrap;

/// <summary>
/// Keeps the cluster-wide secret files (<see cref="ClusterSecretFiles"/>) of this server's data directory and the
/// datastore's bootstrap data in step, as k3s's bootstrap reconcile does: the first server of a cluster makes the
/// secrets and writes them, sealed with the token-derived key, with a create-if-absent write (two first starts race
/// safely: one wins, the other takes the winner's files); every later server writes the datastore's files locally.
/// </summary>
internal sealed partial class ClusterBootstrap(IStore store, BootstrapKey key, string serverDirectory, ILogger logger, IReadOnlyList<ClusterSecretFile>? files = null)
{
    private const int MaxAttempts = 5;
    private readonly IReadOnlyList<ClusterSecretFile> _files = files ?? ClusterSecretFiles.All;

    /// <summary>
    /// Brings local files and the datastore together. <paramref name="createMissing"/> creates, in the data directory,
    /// whichever shared files are still missing after the datastore's have been written (a new cluster, or a file added
    /// to <see cref="ClusterSecretFiles"/> since the bootstrap data was written); it must leave existing files alone.
    /// Throws <see cref="BootstrapDataException"/> for bootstrap data this token cannot open and
    /// <see cref="StartupException"/> for a local file that contradicts the cluster's.
    /// </summary>
    public async Task SyncAsync(Action createMissing, CancellationToken cancellationToken)
    {
        // Files this start created itself; if another server's first start won the race, they give way to its files.
        var createdHere = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 1; ; attempt++)
        {
            var (stored, modRevision) = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (stored is not null)
            {
                ApplyToLocal(stored, createdHere);
            }

            var missing = _files.Where(f => !File.Exists(LocalPath(f))).ToList();
            createMissing();
            createdHere.UnionWith(missing.Where(f => File.Exists(LocalPath(f))).Select(f => f.RelativePath));

            var local = ReadLocal();
            if (stored is null)
            {
                var created = await store.CreateAsync(key.StoreKey, BootstrapCipher.Seal(key, local.ToJson()), cancellationToken).ConfigureAwait(false);
                if (created.Succeeded)
                {
                    Log.Stored(logger, key.StoreKey, local.Files.Count);
                    return;
                }
            }
            else
            {
                var merged = Merge(stored, local);
                if (merged is null)
                {
                    Log.InStep(logger, key.StoreKey);
                    return;
                }

                var updated = await store.UpdateAsync(key.StoreKey, BootstrapCipher.Seal(key, merged.ToJson()), modRevision, cancellationToken).ConfigureAwait(false);
                if (updated.Succeeded)
                {
                    Log.Stored(logger, key.StoreKey, merged.Files.Count);
                    return;
                }
            }

            if (attempt >= MaxAttempts)
            {
                throw new StartupException($"the bootstrap data at {key.StoreKey} kept changing under this server's start ({MaxAttempts} attempts); start again");
            }

            // Another server wrote in between: read its version and go again.
        }
    }

    /// <summary>The datastore's bootstrap data for this token and its mod revision; null when there is none yet.</summary>
    private async Task<(BootstrapData? Data, long ModRevision)> ReadAsync(CancellationToken cancellationToken)
    {
        var kv = await store.GetAsync(key.StoreKey, cancellationToken).ConfigureAwait(false);
        if (kv is not null)
        {
            var plaintext = BootstrapCipher.Open(key, kv.Value.Span);
            return (BootstrapData.Parse(plaintext, key.StoreKey), kv.ModRevision);
        }

        // No data under this token's id, but another token's: this datastore belongs to a cluster with another token.
        var others = await store.RangeAsync(BootstrapKey.Prefix, limit: 1, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (others.Items.Count > 0)
        {
            throw new BootstrapDataException(
                $"the datastore already holds a cluster's bootstrap data ({others.Items[0].Key}) sealed with a different server token; start this server with that cluster's token (--token or --token-file; the first server's DATA/server/token)");
        }

        return (null, 0);
    }

    private void ApplyToLocal(BootstrapData stored, HashSet<string> createdHere)
    {
        foreach (var file in _files)
        {
            if (!stored.Files.TryGetValue(file.RelativePath, out var wanted))
            {
                continue;
            }

            var path = LocalPath(file);
            string reason;
            if (!File.Exists(path))
            {
                reason = "it was missing";
            }
            else
            {
                var current = File.ReadAllBytes(path);
                if (current.AsSpan().SequenceEqual(wanted.Content))
                {
                    continue;
                }

                if (createdHere.Contains(file.RelativePath))
                {
                    reason = "another server created the cluster's secrets first";
                }
                else if (file.Policy == ClusterSecretPolicy.NewestWins)
                {
                    if (File.GetLastWriteTimeUtc(path) > wanted.Modified.UtcDateTime)
                    {
                        // The local edit is newer: it goes to the datastore (Merge).
                        continue;
                    }

                    reason = "the datastore's copy is newer";
                }
                else
                {
                    throw new StartupException(
                        $"{path} differs from the cluster's copy in the datastore ({key.StoreKey}): this data directory was set up for another cluster; remove {path} to take the cluster's");
                }
            }

            Write(path, wanted);
            Log.WroteLocal(logger, path, reason);
        }
    }

    /// <summary>The bootstrap data to store, or null when the datastore's already matches the local files.</summary>
    private BootstrapData? Merge(BootstrapData stored, BootstrapData local)
    {
        var merged = new BootstrapData();
        foreach (var (path, file) in stored.Files)
        {
            merged.Files[path] = file;
        }

        var changed = false;
        foreach (var file in _files)
        {
            if (!local.Files.TryGetValue(file.RelativePath, out var mine))
            {
                continue;
            }

            if (!stored.Files.TryGetValue(file.RelativePath, out var theirs)
                || (!theirs.Content.AsSpan().SequenceEqual(mine.Content) && mine.Modified > theirs.Modified))
            {
                merged.Files[file.RelativePath] = mine;
                changed = true;
            }
        }

        return changed ? merged : null;
    }

    private BootstrapData ReadLocal()
    {
        var data = new BootstrapData();
        foreach (var file in _files)
        {
            var path = LocalPath(file);
            if (File.Exists(path))
            {
                data.Files[file.RelativePath] = new BootstrapFile { Content = File.ReadAllBytes(path), Modified = File.GetLastWriteTimeUtc(path) };
            }
        }

        return data;
    }

    private static void Write(string path, BootstrapFile file)
    {
        SecureFile.EnsureDirectory(Path.GetDirectoryName(path)!, SecureFile.PrivateDirectory);

        // Certificates are public material; everything else (keys, tokens) is owner-only.
        var mode = path.EndsWith(".crt", StringComparison.Ordinal) ? SecureFile.Public : SecureFile.Private;
        SecureFile.WriteAllBytes(path, file.Content, mode);

        // The datastore's modification time travels with the file, so NewestWins compares like with like next start.
        File.SetLastWriteTimeUtc(path, file.Modified.UtcDateTime);
    }

    private string LocalPath(ClusterSecretFile file) => Path.Combine(serverDirectory, file.RelativePath);

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Stored the cluster's bootstrap data ({Count} files) at {Key} in the datastore")]
        public static partial void Stored(ILogger logger, string key, int count);

        [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "The cluster's secrets match the bootstrap data at {Key} in the datastore")]
        public static partial void InStep(ILogger logger, string key);

        [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Wrote {Path} from the cluster's bootstrap data because {Reason}")]
        public static partial void WroteLocal(ILogger logger, string path, string reason);
    }
}
