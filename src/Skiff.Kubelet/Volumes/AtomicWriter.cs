using System.Globalization;
using System.Runtime.InteropServices;

namespace Skiff.Kubelet.Volumes;

/// <summary>
/// Writes a set of files into a volume directory so that a reader never sees a half-updated set, with the kubelet's
/// atomic writer layout:
/// <code>
/// &lt;dir&gt;/..2026_11_26_02_14_04.123456789/   the files of this version
/// &lt;dir&gt;/..data -> ..2026_11_26_02_14_04.123456789
/// &lt;dir&gt;/&lt;key&gt; -> ..data/&lt;key&gt;               one link per top-level name
/// </code>
/// An update writes a new timestamped directory, swaps <c>..data</c> with one rename(2), fixes the top-level links and
/// removes the old directory. Writing a payload whose paths and contents are unchanged does nothing.
/// </summary>
/// <remarks>Not thread-safe for one directory: the volume manager serializes writes per pod.</remarks>
internal sealed class AtomicWriter(TimeProvider time)
{
    /// <summary>The link to the current version.</summary>
    public const string DataDirName = "..data";

    private const string NewDataDirName = "..data_tmp";

    /// <summary>
    /// Makes <paramref name="targetDir"/> hold exactly <paramref name="payload"/> (relative path → file); returns whether
    /// anything changed.
    /// </summary>
    /// <exception cref="ArgumentException">a path is absolute, contains '..' or starts with '..'.</exception>
    public bool Write(string targetDir, IReadOnlyDictionary<string, FileProjection> payload)
    {
        foreach (var path in payload.Keys)
        {
            ValidatePath(path);
        }

        Directory.CreateDirectory(targetDir);
        var dataLink = Path.Combine(targetDir, DataDirName);
        var oldTsName = ReadLink(dataLink);
        var oldTsDir = oldTsName is null ? null : Path.Combine(targetDir, oldTsName);
        if (oldTsDir is not null && Directory.Exists(oldTsDir) && SameContent(oldTsDir, payload) && UserLinksPresent(targetDir, payload))
        {
            return false;
        }

        var tsDir = NewTimestampDir(targetDir);
        foreach (var (rel, file) in payload)
        {
            var full = Path.Combine(tsDir, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, file.Data);
            UnixFile.SetMode(full, file.Mode);
        }

        // Swap ..data in one rename so readers see either the old or the new version, never a mix.
        var tmpLink = Path.Combine(targetDir, NewDataDirName);
        if (ReadLink(tmpLink) is not null || File.Exists(tmpLink))
        {
            File.Delete(tmpLink);
        }

        File.CreateSymbolicLink(tmpLink, Path.GetFileName(tsDir));
        if (Rename(tmpLink, dataLink) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"rename {tmpLink} to {dataLink} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        var newTop = payload.Keys.Select(TopLevel).ToHashSet(StringComparer.Ordinal);
        foreach (var name in newTop)
        {
            var link = Path.Combine(targetDir, name);
            if (ReadLink(link) is null)
            {
                File.CreateSymbolicLink(link, Path.Combine(DataDirName, name));
            }
        }

        // Remove user-visible links of names that are gone.
        foreach (var entry in new DirectoryInfo(targetDir).EnumerateFileSystemInfos())
        {
            if (!entry.Name.StartsWith("..", StringComparison.Ordinal) && !newTop.Contains(entry.Name) && entry.LinkTarget is { } target
                && target.StartsWith(DataDirName + "/", StringComparison.Ordinal))
            {
                entry.Delete();
            }
        }

        if (oldTsDir is not null && Directory.Exists(oldTsDir) && oldTsDir != tsDir)
        {
            Directory.Delete(oldTsDir, recursive: true);
        }

        return true;
    }

    /// <summary>The payload path rules (the kubelet's atomic writer validatePath).</summary>
    public static void ValidatePath(string path)
    {
        if (path.Length == 0)
        {
            throw new ArgumentException("invalid path: must not be empty");
        }

        if (path.Length > 4096)
        {
            throw new ArgumentException($"invalid path: must be less than or equal to 4096 characters");
        }

        if (path.StartsWith('/'))
        {
            throw new ArgumentException($"invalid path: must be relative path: {path}");
        }

        var parts = path.Split('/');
        if (parts.Any(p => p == ".."))
        {
            throw new ArgumentException($"invalid path: must not contain '..': {path}");
        }

        if (parts.Any(p => p.Length > 255))
        {
            throw new ArgumentException($"invalid path: must not contain a component longer than 255 characters: {path}");
        }

        if (path.StartsWith("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"invalid path: must not start with '..': {path}");
        }
    }

    private static string TopLevel(string rel)
    {
        var slash = rel.IndexOf('/');
        return slash < 0 ? rel : rel[..slash];
    }

    private string NewTimestampDir(string targetDir)
    {
        var stamp = time.GetUtcNow().UtcDateTime.ToString("'..'yyyy'_'MM'_'dd'_'HH'_'mm'_'ss'.'", CultureInfo.InvariantCulture);
        for (var attempt = 0; ; attempt++)
        {
            var dir = Path.Combine(targetDir, stamp + Random.Shared.Next(0, int.MaxValue).ToString(CultureInfo.InvariantCulture));
            if (!Directory.Exists(dir) && ReadLink(dir) is null)
            {
                Directory.CreateDirectory(dir);
                UnixFile.SetMode(dir, 0x1ED); // 0755
                return dir;
            }

            if (attempt > 100)
            {
                throw new IOException($"cannot create a timestamped directory in {targetDir}");
            }
        }
    }

    private static bool SameContent(string tsDir, IReadOnlyDictionary<string, FileProjection> payload)
    {
        var existing = Directory.EnumerateFiles(tsDir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => Path.GetRelativePath(tsDir, f)).ToHashSet(StringComparer.Ordinal);
        if (!existing.SetEquals(payload.Keys))
        {
            return false;
        }

        foreach (var (rel, file) in payload)
        {
            var full = Path.Combine(tsDir, rel);
            // Content only, as the kubelet compares: modes cannot change for a pod (its volumes are immutable), and
            // an fsGroup pass adds group bits that must not count as a change.
            if (!File.ReadAllBytes(full).AsSpan().SequenceEqual(file.Data))
            {
                return false;
            }
        }

        return true;
    }

    private static bool UserLinksPresent(string targetDir, IReadOnlyDictionary<string, FileProjection> payload) =>
        payload.Keys.Select(TopLevel).All(n => ReadLink(Path.Combine(targetDir, n)) is not null);

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int Rename(string oldPath, string newPath);
}
