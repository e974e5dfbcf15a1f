using k8s.Models;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// kube-apiserver's DefaultTolerationSeconds plugin: a pod that does not tolerate the
/// <c>node.kubernetes.io/not-ready</c> and <c>node.kubernetes.io/unreachable</c> NoExecute taints gets tolerations
/// for them limited to <see cref="ApiServerOptions.DefaultNotReadyTolerationSeconds"/> and
/// <see cref="ApiServerOptions.DefaultUnreachableTolerationSeconds"/> (300 s each), so its pods leave a lost node
/// that long after the node lifecycle controller taints it. A toleration with an empty key or an empty effect
/// counts as tolerating already.
/// </summary>
internal sealed class DefaultTolerationSeconds(ApiServerOptions options) : IMutatingAdmissionPlugin
{
    public const string NotReady = "node.kubernetes.io/not-ready";
    public const string Unreachable = "node.kubernetes.io/unreachable";

    public string Name => "DefaultTolerationSeconds";

    public bool Handles(AdmissionAttributes attributes) =>
        attributes.Operation is AdmissionOperation.Create or AdmissionOperation.Update && attributes.Subresource is null && attributes.Object is V1Pod;

    public ValueTask AdmitAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        var spec = ((V1Pod)attributes.Object!).Spec ??= new V1PodSpec();
        var tolerations = spec.Tolerations ?? [];
        bool Tolerated(string key) => tolerations.Any(t => (string.IsNullOrEmpty(t.Key) || t.Key == key) && (string.IsNullOrEmpty(t.Effect) || t.Effect == "NoExecute"));
        var notReady = Tolerated(NotReady);
        var unreachable = Tolerated(Unreachable);
        if (notReady && unreachable)
        {
            return ValueTask.CompletedTask;
        }

        var list = tolerations.ToList();
        if (!notReady)
        {
            list.Add(new V1Toleration { Key = NotReady, OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = options.DefaultNotReadyTolerationSeconds });
        }

        if (!unreachable)
        {
            list.Add(new V1Toleration { Key = Unreachable, OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = options.DefaultUnreachableTolerationSeconds });
        }

        spec.Tolerations = list;
        return ValueTask.CompletedTask;
    }
}
