using k8s.Models;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// emptyDir (disk medium) and hostPath volumes, until the Volumes library is wired in: emptyDir directories live under
/// <c>DATA/agent/pod-data/UID/volumes/kubernetes.io~empty-dir/NAME</c> (kubelet's layout); hostPath follows its type
/// checks for the common types. Other volume types fail the container with CreateContainerConfigError.
/// </summary>
internal sealed class BasicPodVolumes(string podsDataDirectory) : IPodVolumes
{
    public Task<IReadOnlyDictionary<string, MountSource>> SetUpAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, MountSource>(StringComparer.Ordinal);
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.EmptyDir is not null)
            {
                var dir = Path.Combine(podsDataDirectory, pod.Metadata.Uid, "volumes", "kubernetes.io~empty-dir", volume.Name);
                Directory.CreateDirectory(dir);
                if (OperatingSystem.IsLinux())
                {
                    File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
                }
                result[volume.Name] = new MountSource(dir, false);
            }
            else if (volume.HostPath is { } hostPath)
            {
                result[volume.Name] = new MountSource(PrepareHostPath(hostPath), false);
            }
            else
            {
                throw new CreateContainerConfigException($"volume \"{volume.Name}\": this volume type is not supported by this node yet");
            }
        }

        return Task.FromResult<IReadOnlyDictionary<string, MountSource>>(result);
    }

    public Task TearDownAsync(string podUid, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(podsDataDirectory, podUid);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        return Task.CompletedTask;
    }

    private static string PrepareHostPath(V1HostPathVolumeSource source)
    {
        var path = source.Path;
        switch (source.Type ?? "")
        {
            case "DirectoryOrCreate":
                Directory.CreateDirectory(path);
                break;
            case "Directory" when !Directory.Exists(path):
                throw new CreateContainerConfigException($"hostPath type check failed: {path} is not a directory");
            case "FileOrCreate" when !File.Exists(path):
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, []);
                break;
            case "File" when !File.Exists(path):
                throw new CreateContainerConfigException($"hostPath type check failed: {path} is not a file");
            case "Socket" or "CharDevice" or "BlockDevice" when !File.Exists(path):
                throw new CreateContainerConfigException($"hostPath type check failed: {path} is not a {source.Type}");
        }

        return path;
    }
}
