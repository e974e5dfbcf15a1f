namespace Skiff.Kubelet.Volumes;

/// <summary>
/// hostPath <c>type</c> checks with the kubelet's behaviour and messages: <c>DirectoryOrCreate</c> makes the directory
/// (0755, with parents), <c>FileOrCreate</c> makes an empty file (0644, not its parent directory); the others require
/// the path to be of that kind: <c>hostPath type check failed: /p is not a directory</c>, <c>... is not a file</c>,
/// <c>... is not a socket file</c>, <c>... is not a character device</c>, <c>... is not a block device</c>.
/// An empty type checks nothing.
/// </summary>
internal static class HostPathTypeChecker
{
    /// <summary>Checks (and for the *OrCreate types, creates) <paramref name="path"/>; returns the failure cause, or null.</summary>
    public static string? Check(string path, string? type)
    {
        var kind = FileKinds.Of(path);
        switch (type ?? "")
        {
            case "":
                return null;
            case "DirectoryOrCreate":
                if (kind == FileKind.Missing)
                {
                    try
                    {
                        Directory.CreateDirectory(path);
                        UnixFile.SetMode(path, 0x1ED); // 0755
                        return null;
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        return $"mkdir {path}: {ex.Message}";
                    }
                }

                return kind == FileKind.Directory ? null : $"hostPath type check failed: {path} is not a directory";
            case "Directory":
                return kind == FileKind.Directory ? null : $"hostPath type check failed: {path} is not a directory";
            case "FileOrCreate":
                if (kind == FileKind.Missing)
                {
                    var parent = Path.GetDirectoryName(path);
                    if (parent is null || !Directory.Exists(parent))
                    {
                        return $"open {path}: no such file or directory";
                    }

                    try
                    {
                        using (new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                        {
                        }

                        UnixFile.SetMode(path, 0x1A4); // 0644
                        return null;
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        return $"open {path}: {ex.Message}";
                    }
                }

                return kind == FileKind.File ? null : $"hostPath type check failed: {path} is not a file";
            case "File":
                return kind == FileKind.File ? null : $"hostPath type check failed: {path} is not a file";
            case "Socket":
                return kind == FileKind.Socket ? null : $"hostPath type check failed: {path} is not a socket file";
            case "CharDevice":
                return kind == FileKind.CharDevice ? null : $"hostPath type check failed: {path} is not a character device";
            case "BlockDevice":
                return kind == FileKind.BlockDevice ? null : $"hostPath type check failed: {path} is not a block device";
            default:
                return $"{type} is an invalid volume type";
        }
    }
}
