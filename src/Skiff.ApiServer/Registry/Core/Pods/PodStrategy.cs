using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Pods;

/// <summary>
/// Pods, after kube-apiserver's pkg/registry/core/pod/strategy.go, the pod defaults of
/// pkg/apis/core/v1/defaults.go and ValidatePod / ValidatePodUpdate / ValidatePodStatusUpdate. It also
/// applies, on create, the defaults two admission plugins add to every pod: ServiceAccount
/// (serviceAccountName "default") and DefaultTolerationSeconds (5 minutes of tolerance for not-ready and
/// unreachable nodes). Priority is resolved before this by Admission/PriorityAdmission.
/// </summary>
internal sealed class PodStrategy : ResourceStrategy<V1Pod>
{
    /// <summary>The fields a pod update may change, in the order Kubernetes lists them.</summary>
    public const string UpdatableFields =
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    public const long DefaultTolerationSeconds = 300;

    // Since v1.33 kube-apiserver sets metadata.generation on pods and bumps it on spec changes.
    public override bool TracksGeneration => true;

    public override TableConvertor<V1Pod> Table => PodTable.Instance;

    public override void Default(V1Pod obj)
    {
        obj.Spec ??= new V1PodSpec();
        PodSpecDefaults.Apply(obj.Spec);
        PodSpecDefaults.ApplyPodOnly(obj.Spec);
    }

    public override void PrepareForCreate(V1Pod obj)
    {
        var spec = obj.Spec;
        var isMirror = obj.Metadata.Annotations?.ContainsKey("kubernetes.io/config.mirror") == true;
        if (!isMirror && string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            spec.ServiceAccountName = "default";
            spec.ServiceAccount = "default";
        }

        // Priority admission resolved the class before this; a pod created without it (tests) gets 0.
        spec.Priority ??= 0;
        spec.PreemptionPolicy ??= "PreemptLowerPriority";

        AddDefaultTolerations(spec);

        var status = new V1PodStatus { Phase = "Pending", QosClass = PodQos.Compute(spec) };
        if (spec.SchedulingGates is { Count: > 0 })
        {
            status.Conditions =
            [
                new V1PodCondition
                {
                    Type = "PodScheduled",
                    Status = "False",
                    Reason = "SchedulingGated",
                    Message = "Scheduling is blocked due to non-empty scheduling gates",
                },
            ];
        }

        obj.Status = status;
    }

    public override void Validate(V1Pod obj, FieldErrors errors)
    {
        PodSpecValidation.Validate(obj.Spec, "spec", errors);
        PodSpecValidation.ValidatePodOnly(obj.Spec, "spec", errors);
    }

    public override void ValidateUpdate(V1Pod obj, V1Pod old, FieldErrors errors)
    {
        Validate(obj, errors);
        var spec = obj.Spec;
        var oldSpec = old.Spec;

        if ((spec.Containers?.Count ?? 0) != (oldSpec.Containers?.Count ?? 0))
        {
            errors.Forbidden("spec.containers", "pod updates may not add or remove containers");
            return;
        }

        if ((spec.InitContainers?.Count ?? 0) != (oldSpec.InitContainers?.Count ?? 0))
        {
            errors.Forbidden("spec.initContainers", "pod updates may not add or remove containers");
            return;
        }

        if (spec.ActiveDeadlineSeconds is { } deadline)
        {
            if (oldSpec.ActiveDeadlineSeconds is { } oldDeadline && oldDeadline < deadline)
            {
                errors.Invalid("spec.activeDeadlineSeconds", deadline, "must be less than or equal to previous value");
                return;
            }
        }
        else if (oldSpec.ActiveDeadlineSeconds is not null)
        {
            errors.Invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value");
        }

        OnlyAddedTolerations(spec.Tolerations, oldSpec.Tolerations, errors);

        if (SpecDiff.JsonEqual(spec, oldSpec))
        {
            return;
        }

        // Put the updatable fields back to their old values; whatever still differs may not change.
        var munged = SpecDiff.Clone(spec);
        for (var i = 0; i < (munged.Containers?.Count ?? 0); i++)
        {
            munged.Containers![i].Image = oldSpec.Containers![i].Image;
        }

        for (var i = 0; i < (munged.InitContainers?.Count ?? 0); i++)
        {
            munged.InitContainers![i].Image = oldSpec.InitContainers![i].Image;
        }

        munged.ActiveDeadlineSeconds = oldSpec.ActiveDeadlineSeconds;
        munged.SchedulingGates = oldSpec.SchedulingGates;
        munged.Tolerations = oldSpec.Tolerations;
        if (oldSpec.TerminationGracePeriodSeconds is < 0 && munged.TerminationGracePeriodSeconds == 1)
        {
            munged.TerminationGracePeriodSeconds = oldSpec.TerminationGracePeriodSeconds;
        }

        if (!SpecDiff.JsonEqual(munged, oldSpec))
        {
            errors.Forbidden("spec", $"pod updates may not change fields other than {UpdatableFields}\n{SpecDiff.Describe(oldSpec, munged)}");
        }
    }

    public override void PrepareForStatusUpdate(V1Pod obj, V1Pod old)
    {
        base.PrepareForStatusUpdate(obj, old);
        obj.Status ??= new V1PodStatus();

        // The QoS class is computed once at creation; old kubelets drop it from rejected pods' status.
        if (string.IsNullOrEmpty(obj.Status.QosClass))
        {
            obj.Status.QosClass = old.Status?.QosClass;
        }
    }

    public override void ValidateStatusUpdate(V1Pod obj, V1Pod old, FieldErrors errors)
    {
        var status = obj.Status ?? new V1PodStatus();
        var oldStatus = old.Status ?? new V1PodStatus();
        if (!string.IsNullOrEmpty(status.NominatedNodeName) && status.NominatedNodeName != oldStatus.NominatedNodeName)
        {
            FieldRules.DnsSubdomain(status.NominatedNodeName, "status.nominatedNodeName", errors);
        }

        if (old.Spec.RestartPolicy != "Always")
        {
            TerminalStates(status.ContainerStatuses, oldStatus.ContainerStatuses, "status.containerStatuses", old.Spec.RestartPolicy, errors);
            TerminalStates(status.InitContainerStatuses, oldStatus.InitContainerStatuses, "status.initContainerStatuses", old.Spec.RestartPolicy, errors);
        }

        for (var i = 0; i < (status.PodIPs?.Count ?? 0); i++)
        {
            foreach (var msg in IpRules.IsValidIp(status.PodIPs![i].Ip ?? ""))
            {
                errors.Invalid($"status.podIPs[{i}]", status.PodIPs[i].Ip ?? "", msg);
            }
        }

        if (status.PodIPs is { Count: > 1 } && IpRules.IsIPv6(status.PodIPs[0].Ip ?? "") == IpRules.IsIPv6(status.PodIPs[1].Ip ?? ""))
        {
            errors.Invalid("status.podIPs", GoValue.StringSlice(status.PodIPs.Select(p => p.Ip ?? "")), "may specify no more than one IP for each IP family");
        }

        if (!string.IsNullOrEmpty(oldStatus.QosClass) && status.QosClass != oldStatus.QosClass)
        {
            errors.Immutable("status.qosClass", status.QosClass ?? "");
        }
    }

    /// <summary>
    /// kube-apiserver's pod CheckGracefulDelete: the requested period, else spec.terminationGracePeriodSeconds; a pod
    /// no node runs (unscheduled) or that has finished goes at once; a negative period means 1 second.
    /// </summary>
    public override long? DeletionGracePeriod(V1Pod obj, long? requested)
    {
        var period = requested ?? obj.Spec?.TerminationGracePeriodSeconds ?? 30;
        if (string.IsNullOrEmpty(obj.Spec?.NodeName) || obj.Status?.Phase is "Succeeded" or "Failed")
        {
            return 0;
        }

        return period < 0 ? 1 : period;
    }

    public override IEnumerable<KeyValuePair<string, string>> SelectableFields(V1Pod obj)
    {
        var spec = obj.Spec ?? new V1PodSpec();
        yield return new("spec.nodeName", spec.NodeName ?? "");
        yield return new("spec.restartPolicy", spec.RestartPolicy ?? "");
        yield return new("spec.schedulerName", spec.SchedulerName ?? "");
        yield return new("spec.serviceAccountName", spec.ServiceAccountName ?? "");
        yield return new("spec.hostNetwork", spec.HostNetwork == true ? "true" : "false");
        yield return new("status.phase", obj.Status?.Phase ?? "");
        yield return new("status.podIP", obj.Status?.PodIPs is { Count: > 0 } ips ? ips[0].Ip ?? "" : "");
        yield return new("status.nominatedNodeName", obj.Status?.NominatedNodeName ?? "");
    }

    // DefaultTolerationSeconds admission: tolerate not-ready and unreachable nodes for 300s unless the
    // pod already says how it tolerates them (a NoExecute or effect-less toleration for the key, or for all keys).
    private static void AddDefaultTolerations(V1PodSpec spec)
    {
        bool Tolerates(string key) => (spec.Tolerations ?? []).Any(t =>
            (string.IsNullOrEmpty(t.Key) || t.Key == key) && (string.IsNullOrEmpty(t.Effect) || t.Effect == "NoExecute"));

        var notReady = Tolerates("node.kubernetes.io/not-ready");
        var unreachable = Tolerates("node.kubernetes.io/unreachable");
        if (notReady && unreachable)
        {
            return;
        }

        spec.Tolerations ??= [];
        if (!notReady)
        {
            spec.Tolerations.Add(new V1Toleration { Key = "node.kubernetes.io/not-ready", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = DefaultTolerationSeconds });
        }

        if (!unreachable)
        {
            spec.Tolerations.Add(new V1Toleration { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = DefaultTolerationSeconds });
        }
    }

    private static void OnlyAddedTolerations(IList<V1Toleration>? tolerations, IList<V1Toleration>? oldTolerations, FieldErrors errors)
    {
        foreach (var old in oldTolerations ?? [])
        {
            var found = (tolerations ?? []).Any(t =>
                t.Key == old.Key && t.OperatorProperty == old.OperatorProperty && t.Value == old.Value && t.Effect == old.Effect);
            if (!found)
            {
                errors.Forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds");
                return;
            }
        }
    }

    private static void TerminalStates(IList<V1ContainerStatus>? statuses, IList<V1ContainerStatus>? oldStatuses, string path, string restartPolicy, FieldErrors errors)
    {
        for (var i = 0; i < (oldStatuses?.Count ?? 0); i++)
        {
            var old = oldStatuses![i];
            if (old.State?.Terminated is not { } terminated || (terminated.ExitCode != 0 && restartPolicy == "OnFailure"))
            {
                continue;
            }

            if ((statuses ?? []).Any(s => s.Name == old.Name && s.State?.Terminated is null))
            {
                errors.Forbidden($"{path}[{i}].state", "may not be transitioned to non-terminated state");
            }
        }
    }
}
