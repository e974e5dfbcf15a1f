namespace Skiff.IO;

/// <summary>
/// Writes files atomically with a fixed Unix mode: secrets (keys, tokens, kubeconfigs) must never be
/// readable by others, not even for the instant between create and chmod, and a crash mid-write must
/// not leave a truncated certificate that the next start would fail to parse.
/// </summary>
internal static class SecureFile
{
    /// <summary>Owner read/write only, for keys, tokens and kubeconfigs.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner read/write, everyone read, for certificates (public material).</summary>
    public const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Owner-only directory, for directories that hold secrets.</summary>
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> through a temporary file and a rename, with <paramref name="mode"/>.</summary>
    public static void WriteAllText(string path, string contents, UnixFileMode mode) =>
        WriteAllBytes(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(contents), mode);

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> through a temporary file and a rename, with <paramref name="mode"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> contents, UnixFileMode mode)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = mode,
            };
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            // The umask may have removed bits from the create mode; set it exactly.
            File.SetUnixFileMode(temp, mode);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Creates <paramref name="path"/> (and parents) if needed and restricts it to <paramref name="mode"/>.</summary>
    public static void EnsureDirectory(string path, UnixFileMode mode)
    {
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, mode);
        }

        File.SetUnixFileMode(path, mode);
    }
}
