using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Skiff.Storage.Snapshots;

/// <summary>
/// Backs up and restores every key of a store (all keys under <c>/</c>) through <see cref="IStore"/>, so one format
/// serves SQLite and etcd alike and a snapshot can move a cluster between them.
/// </summary>
/// <remarks>
/// <para>Save reads all keys at one revision (paged range reads at that revision), which is a consistent point in time
/// while the server keeps writing. Restore makes the store hold exactly the snapshot's keys and values; it writes them
/// as new revisions, so revisions only move forward and clients' resourceVersions never repeat.</para>
/// <para>File layout: the magic line <c>SKIFF-SNAPSHOT 1\n</c>; the revision (int64, big endian); then per key a record
/// of key length (int32), key (UTF-8), value length (int32) and value; an end marker (int32 -1) and the key count (int64);
/// and last the SHA-256 of everything before it. A restore verifies the whole file before it touches the store.</para>
/// </remarks>
public static class StoreSnapshot
{
    private const int PageSize = 500;
    private const int EndMarker = -1;
    private static readonly byte[] Magic = "SKIFF-SNAPSHOT 1\n"u8.ToArray();
    private static readonly byte[] MagicPrefix = "SKIFF-SNAPSHOT "u8.ToArray();

    /// <summary>Writes every key of <paramref name="store"/> at its current revision to <paramref name="path"/> (via a temporary file, so a failed save leaves no partial file).</summary>
    public static async Task<SnapshotInfo> SaveAsync(IStore store, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var full = Path.GetFullPath(path);
        var temporary = full + ".partial";
        long keys = 0;
        long revision;
        try
        {
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
                {
                    hash.AppendData(bytes.Span);
                    await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                }

                revision = await store.GetCurrentRevisionAsync(cancellationToken).ConfigureAwait(false);
                await WriteAsync(Magic).ConfigureAwait(false);
                await WriteAsync(Int64(revision)).ConfigureAwait(false);
                string? after = null;
                while (true)
                {
                    var page = await store.RangeAsync("/", revision, after, PageSize, cancellationToken).ConfigureAwait(false);
                    foreach (var kv in page.Items)
                    {
                        var key = Encoding.UTF8.GetBytes(kv.Key);
                        await WriteAsync(Int32(key.Length)).ConfigureAwait(false);
                        await WriteAsync(key).ConfigureAwait(false);
                        await WriteAsync(Int32(kv.Value.Length)).ConfigureAwait(false);
                        await WriteAsync(kv.Value).ConfigureAwait(false);
                        keys++;
                    }

                    if (!page.More || page.Items.Count == 0)
                    {
                        break;
                    }

                    after = page.Items[^1].Key;
                }

                await WriteAsync(Int32(EndMarker)).ConfigureAwait(false);
                await WriteAsync(Int64(keys)).ConfigureAwait(false);
                await file.WriteAsync(hash.GetHashAndReset(), cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return new SnapshotInfo(revision, keys, new FileInfo(full).Length);
    }

    /// <summary>Checks the file is a complete, uncorrupted Skiff snapshot; throws <see cref="SnapshotException"/> saying what is wrong.</summary>
    public static async Task<SnapshotInfo> VerifyAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = new SnapshotInfo(0, 0, 0);
        await foreach (var _ in ReadAsync(path, i => info = i, cancellationToken).ConfigureAwait(false))
        {
        }

        return info;
    }

    /// <summary>
    /// Makes <paramref name="store"/> hold exactly the keys and values of the snapshot: keys not in it are deleted,
    /// the others written. The file is verified first, so a corrupt file changes nothing. Run it with the servers stopped.
    /// </summary>
    public static async Task<SnapshotInfo> RestoreAsync(IStore store, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var info = await VerifyAsync(path, cancellationToken).ConfigureAwait(false);

        var wanted = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var (key, value) in ReadAsync(path, _ => { }, cancellationToken).ConfigureAwait(false))
        {
            wanted.Add(key);
            await PutAsync(store, key, value, cancellationToken).ConfigureAwait(false);
        }

        string? after = null;
        while (true)
        {
            var page = await store.RangeAsync("/", 0, after, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var kv in page.Items.Where(kv => !wanted.Contains(kv.Key)))
            {
                await store.DeleteAsync(kv.Key, 0, cancellationToken).ConfigureAwait(false);
            }

            if (!page.More || page.Items.Count == 0)
            {
                break;
            }

            after = page.Items[^1].Key;
        }

        return info;
    }

    private static async Task PutAsync(IStore store, string key, byte[] value, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (current is not null && current.Value.Span.SequenceEqual(value))
            {
                return;
            }

            var result = current is null
                ? await store.CreateAsync(key, value, cancellationToken).ConfigureAwait(false)
                : await store.UpdateAsync(key, value, current.ModRevision, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return;
            }
        }
    }

    private static async IAsyncEnumerable<(string Key, byte[] Value)> ReadAsync(string path, Action<SnapshotInfo> done, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SnapshotException($"cannot read snapshot {path}: {ex.Message}", ex);
        }

        await using (file.ConfigureAwait(false))
        {
            var length = file.Length;
            var magic = new byte[Magic.Length];
            if (length < Magic.Length || await ReadExactlyAsync(file, magic, cancellationToken).ConfigureAwait(false) < magic.Length || !magic.AsSpan().StartsWith(MagicPrefix))
            {
                throw new SnapshotException($"{path} is not a Skiff snapshot (it does not start with 'SKIFF-SNAPSHOT')");
            }

            if (!magic.AsSpan().SequenceEqual(Magic))
            {
                throw new SnapshotException($"{path} is a Skiff snapshot of an unsupported format version (this skiff reads version 1)");
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(magic);
            async ValueTask<byte[]> NextAsync(int count)
            {
                var bytes = new byte[count];
                if (file.Position + count > length - 32 || await ReadExactlyAsync(file, bytes, cancellationToken).ConfigureAwait(false) < count)
                {
                    throw new SnapshotException($"snapshot {path} is truncated or corrupt (a record runs past the end of the file)");
                }

                hash.AppendData(bytes);
                return bytes;
            }

            var revision = BinaryPrimitives.ReadInt64BigEndian(await NextAsync(8).ConfigureAwait(false));
            long keys = 0;
            while (true)
            {
                var keyLength = BinaryPrimitives.ReadInt32BigEndian(await NextAsync(4).ConfigureAwait(false));
                if (keyLength == EndMarker)
                {
                    break;
                }

                if (keyLength <= 0 || keyLength > 64 * 1024)
                {
                    throw new SnapshotException($"snapshot {path} is corrupt (a key length of {keyLength} bytes)");
                }

                var key = Encoding.UTF8.GetString(await NextAsync(keyLength).ConfigureAwait(false));
                var valueLength = BinaryPrimitives.ReadInt32BigEndian(await NextAsync(4).ConfigureAwait(false));
                if (valueLength < 0 || valueLength > length)
                {
                    throw new SnapshotException($"snapshot {path} is corrupt (a value length of {valueLength} bytes for key {key})");
                }

                var value = await NextAsync(valueLength).ConfigureAwait(false);
                keys++;
                yield return (key, value);
            }

            var count = BinaryPrimitives.ReadInt64BigEndian(await NextAsync(8).ConfigureAwait(false));
            var expected = new byte[32];
            if (file.Position != length - 32 || await ReadExactlyAsync(file, expected, cancellationToken).ConfigureAwait(false) < 32)
            {
                throw new SnapshotException($"snapshot {path} is corrupt (unexpected data after the last record)");
            }

            if (!hash.GetHashAndReset().AsSpan().SequenceEqual(expected))
            {
                throw new SnapshotException($"snapshot {path} is corrupt: its SHA-256 checksum does not match its contents");
            }

            if (count != keys)
            {
                throw new SnapshotException($"snapshot {path} is corrupt: it says {count} keys but holds {keys}");
            }

            done(new SnapshotInfo(revision, keys, length));
        }
    }

    private static async ValueTask<int> ReadExactlyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken) =>
        await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }
}
