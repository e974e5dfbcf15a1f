using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;

namespace Skiff.Kubelet.StaticPods;

/// <summary>
/// Turns the files of the static pod manifest directory into pods, as kubelet's file config source does: every
/// regular file not starting with a dot is read; it may hold one or more YAML documents or JSON objects, each a Pod
/// (or a v1 PodList). Each pod is named <c>NAME-NODENAME</c>, put in namespace <c>default</c> when it names none,
/// bound to this node, made to tolerate every NoExecute taint, and given a UID that is a hash of the node, the file
/// and the pod's content (so an edit of the file makes a new pod, which restarts it), also recorded in the
/// <c>kubernetes.io/config.hash</c> annotation. Pure apart from reading the directory.
/// </summary>
internal static class StaticPodManifests
{
    public const string HashAnnotation = "kubernetes.io/config.hash";
    public const string SourceAnnotation = "kubernetes.io/config.source";
    public const string SeenAnnotation = "kubernetes.io/config.seen";
    public const string MirrorAnnotation = "kubernetes.io/config.mirror";

    /// <summary>The pods of every manifest in <paramref name="directory"/> and one error message per file or document that could not be used.</summary>
    public static (IReadOnlyList<V1Pod> Pods, IReadOnlyList<string> Errors) Read(string directory, string nodeName, DateTime now)
    {
        var pods = new List<V1Pod>();
        var errors = new List<string>();
        if (!Directory.Exists(directory))
        {
            return (pods, errors);
        }

        foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file).StartsWith('.'))
            {
                continue;
            }

            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{file}: cannot read: {ex.Message}");
                continue;
            }

            var (filePods, fileErrors) = Parse(text, file, nodeName, now);
            errors.AddRange(fileErrors);
            foreach (var pod in filePods)
            {
                if (pods.Any(p => p.Metadata.NamespaceProperty == pod.Metadata.NamespaceProperty && p.Metadata.Name == pod.Metadata.Name))
                {
                    errors.Add($"{file}: pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} is defined more than once; ignoring this one");
                    continue;
                }

                pods.Add(pod);
            }
        }

        return (pods, errors);
    }

    /// <summary>The static pods of one manifest file's text (<paramref name="source"/> is its path, part of the UID).</summary>
    public static (IReadOnlyList<V1Pod> Pods, IReadOnlyList<string> Errors) Parse(string text, string source, string nodeName, DateTime now)
    {
        var pods = new List<V1Pod>();
        var errors = new List<string>();
        List<object> documents;
        try
        {
            documents = KubernetesYaml.LoadAllFromString(text);
        }
        catch (Exception ex)
        {
            errors.Add($"{source}: not a pod manifest: {ex.Message}");
            return (pods, errors);
        }

        foreach (var document in documents)
        {
            IEnumerable<V1Pod> found = document switch
            {
                V1Pod pod => [pod],
                V1PodList list => list.Items ?? [],
                null => [],
                _ => Reject(document),
            };
            foreach (var pod in found)
            {
                var error = Validate(pod);
                if (error is not null)
                {
                    errors.Add($"{source}: {error}");
                    continue;
                }

                pods.Add(Prepare(pod, source, nodeName, now));
            }
        }

        return (pods, errors);

        IEnumerable<V1Pod> Reject(object document)
        {
            var kind = (document as IKubernetesObject)?.Kind ?? document.GetType().Name;
            errors.Add($"{source}: a static pod manifest holds Pods only, not {kind}");
            return [];
        }
    }

    private static string? Validate(V1Pod pod)
    {
        if (string.IsNullOrEmpty(pod.Metadata?.Name))
        {
            return "metadata.name: Required value: a static pod needs a name";
        }

        if (pod.Spec?.Containers is not { Count: > 0 })
        {
            return $"pod {pod.Metadata.Name}: spec.containers: Required value";
        }

        return pod.Spec.Containers.Concat(pod.Spec.InitContainers ?? []).FirstOrDefault(c => string.IsNullOrEmpty(c.Name) || string.IsNullOrEmpty(c.Image)) is { } bad
            ? $"pod {pod.Metadata.Name}: every container needs a name and an image ({bad.Name ?? "unnamed"})"
            : null;
    }

    /// <summary>kubelet's applyDefaults for file sources, plus the API defaults the pod worker relies on.</summary>
    private static V1Pod Prepare(V1Pod pod, string source, string nodeName, DateTime now)
    {
        var node = nodeName.ToLowerInvariant();
        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
        pod.Metadata.Name = $"{pod.Metadata.Name}-{node}";
        if (string.IsNullOrEmpty(pod.Metadata.NamespaceProperty))
        {
            pod.Metadata.NamespaceProperty = "default";
        }

        pod.Metadata.Uid = null;
        pod.Metadata.ResourceVersion = null;
        pod.Metadata.CreationTimestamp = null;
        pod.Status = null;
        var spec = pod.Spec;
        spec.NodeName = nodeName;
        spec.RestartPolicy ??= "Always";
        spec.DnsPolicy ??= "ClusterFirst";
        spec.TerminationGracePeriodSeconds ??= 30;
        spec.SchedulerName ??= "default-scheduler";
        spec.EnableServiceLinks ??= true;
        spec.SecurityContext ??= new V1PodSecurityContext();
        foreach (var c in spec.Containers.Concat(spec.InitContainers ?? []))
        {
            c.TerminationMessagePath ??= "/dev/termination-log";
            c.TerminationMessagePolicy ??= "File";
            c.ImagePullPolicy ??= c.Image.EndsWith(":latest", StringComparison.Ordinal) || !HasTagOrDigest(c.Image) ? "Always" : "IfNotPresent";
            foreach (var port in c.Ports ?? [])
            {
                port.Protocol ??= "TCP";
            }
        }

        // Static pods stay on their node whatever NoExecute taint it gets (kubelet adds this toleration to every file pod).
        spec.Tolerations ??= [];
        if (!spec.Tolerations.Any(t => t.OperatorProperty == "Exists" && t.Effect == "NoExecute" && string.IsNullOrEmpty(t.Key)))
        {
            spec.Tolerations.Add(new V1Toleration { OperatorProperty = "Exists", Effect = "NoExecute" });
        }

        // The UID hashes the node, the file and the content: the same file gives the same UID after a restart, an edit a new one.
        var content = KubernetesJson.Serialize(pod);
        var hash = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes($"host:{node}\nfile:{source}\n{content}")));
        pod.Metadata.Uid = hash;
        pod.Metadata.Annotations ??= new Dictionary<string, string>();
        pod.Metadata.Annotations[HashAnnotation] = hash;
        pod.Metadata.Annotations[SourceAnnotation] = "file";
        pod.Metadata.Annotations[SeenAnnotation] = now.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
        pod.Metadata.Annotations.Remove(MirrorAnnotation);
        pod.Status = new V1PodStatus
        {
            Phase = "Pending",
            QosClass = Qos(spec),
            Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = now }],
        };
        return pod;
    }

    /// <summary>Whether the pod came from a manifest file (as opposed to the API server).</summary>
    public static bool IsStatic(V1Pod pod) => pod.Metadata?.Annotations?.TryGetValue(SourceAnnotation, out var source) == true && source == "file";

    /// <summary>Whether the pod is a mirror pod (the API's copy of a static pod).</summary>
    public static bool IsMirror(V1Pod pod) => pod.Metadata?.Annotations?.ContainsKey(MirrorAnnotation) == true;

    /// <summary>The API object that mirrors <paramref name="pod"/>: the same pod with the mirror annotation, owned by the Node, with no UID.</summary>
    public static V1Pod Mirror(V1Pod pod, V1Node node)
    {
        var mirror = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(pod));
        mirror.Metadata.Uid = null;
        mirror.Metadata.Annotations[MirrorAnnotation] = pod.Metadata.Annotations[HashAnnotation];
        mirror.Metadata.OwnerReferences =
        [
            new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = node.Metadata.Uid, Controller = true },
        ];
        mirror.Status = null;
        return mirror;
    }

    private static bool HasTagOrDigest(string image) => image.Contains('@') || image.LastIndexOf(':') > image.LastIndexOf('/');

    /// <summary>The QoS class (Guaranteed, Burstable, BestEffort) by Kubernetes' rules on requests and limits of cpu and memory.</summary>
    internal static string Qos(V1PodSpec spec)
    {
        var containers = spec.Containers.Concat(spec.InitContainers ?? []).ToList();
        var any = false;
        var guaranteed = true;
        foreach (var c in containers)
        {
            var requests = c.Resources?.Requests;
            var limits = c.Resources?.Limits;
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var request = requests?.TryGetValue(resource, out var r) == true ? r : null;
                var limit = limits?.TryGetValue(resource, out var l) == true ? l : null;
                any |= request is not null || limit is not null;
                request ??= limit;
                if (limit is null || request is null || request.ToDecimal() != limit.ToDecimal())
                {
                    guaranteed = false;
                }
            }
        }

        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }
}
