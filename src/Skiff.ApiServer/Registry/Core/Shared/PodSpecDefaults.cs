using k8s.Models;

namespace Skiff.ApiServer.Registry.Core.Shared;

/// <summary>
/// The API defaults of a pod spec, as pkg/apis/core/v1/defaults.go applies them on every decode:
/// the ones every PodSpec gets (pods and templates alike), and the ones only a Pod gets.
/// </summary>
internal static class PodSpecDefaults
{
    public const int DefaultVolumeMode = 420; // 0644, SecretVolumeSourceDefaultMode and friends

    /// <summary>Defaults of every PodSpec (SetDefaults_PodSpec and the defaults of its parts).</summary>
    public static void Apply(V1PodSpec? spec)
    {
        if (spec is null)
        {
            return;
        }

        if (string.IsNullOrEmpty(spec.DnsPolicy))
        {
            spec.DnsPolicy = "ClusterFirst";
        }

        if (string.IsNullOrEmpty(spec.RestartPolicy))
        {
            spec.RestartPolicy = "Always";
        }

        spec.SecurityContext ??= new V1PodSecurityContext();
        spec.TerminationGracePeriodSeconds ??= 30;
        if (string.IsNullOrEmpty(spec.SchedulerName))
        {
            spec.SchedulerName = "default-scheduler";
        }

        // v1 keeps the deprecated serviceAccount field in step with serviceAccountName: conversion reads
        // the old field when the new one is empty and writes the new one back into it on output.
        if (string.IsNullOrEmpty(spec.ServiceAccountName) && !string.IsNullOrEmpty(spec.ServiceAccount))
        {
            spec.ServiceAccountName = spec.ServiceAccount;
        }

        if (!string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            spec.ServiceAccount = spec.ServiceAccountName;
        }

        foreach (var c in spec.InitContainers ?? [])
        {
            Container(c);
        }

        foreach (var c in spec.Containers ?? [])
        {
            Container(c);
        }

        foreach (var v in spec.Volumes ?? [])
        {
            Volume(v);
        }
    }

    /// <summary>
    /// Defaults only a Pod gets (SetDefaults_Pod): requests from limits, enableServiceLinks and host
    /// ports on the host network. Templates keep these unset so that controllers' pods get them instead.
    /// </summary>
    public static void ApplyPodOnly(V1PodSpec? spec)
    {
        if (spec is null)
        {
            return;
        }

        foreach (var c in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            if (c.Resources?.Limits is { } limits)
            {
                c.Resources.Requests ??= new Dictionary<string, ResourceQuantity>();
                foreach (var (k, v) in limits)
                {
                    if (!c.Resources.Requests.ContainsKey(k))
                    {
                        c.Resources.Requests[k] = new ResourceQuantity(v.ToString());
                    }
                }
            }

            if (spec.HostNetwork == true)
            {
                foreach (var p in c.Ports ?? [])
                {
                    if (p.HostPort is null or 0)
                    {
                        p.HostPort = p.ContainerPort;
                    }
                }
            }
        }

        spec.EnableServiceLinks ??= true;
    }

    private static void Container(V1Container c)
    {
        if (string.IsNullOrEmpty(c.ImagePullPolicy))
        {
            c.ImagePullPolicy = ImageTag(c.Image) == "latest" ? "Always" : "IfNotPresent";
        }

        if (string.IsNullOrEmpty(c.TerminationMessagePath))
        {
            c.TerminationMessagePath = "/dev/termination-log";
        }

        if (string.IsNullOrEmpty(c.TerminationMessagePolicy))
        {
            c.TerminationMessagePolicy = "File";
        }

        foreach (var p in c.Ports ?? [])
        {
            if (string.IsNullOrEmpty(p.Protocol))
            {
                p.Protocol = "TCP";
            }
        }

        foreach (var e in c.Env ?? [])
        {
            if (e.ValueFrom?.FieldRef is { } fieldRef && string.IsNullOrEmpty(fieldRef.ApiVersion))
            {
                fieldRef.ApiVersion = "v1";
            }
        }

        Probe(c.LivenessProbe);
        Probe(c.ReadinessProbe);
        Probe(c.StartupProbe);
        HttpGet(c.Lifecycle?.PostStart?.HttpGet);
        HttpGet(c.Lifecycle?.PreStop?.HttpGet);
    }

    private static void Probe(V1Probe? p)
    {
        if (p is null)
        {
            return;
        }

        p.TimeoutSeconds ??= 1;
        p.PeriodSeconds ??= 10;
        p.SuccessThreshold ??= 1;
        p.FailureThreshold ??= 3;
        HttpGet(p.HttpGet);
    }

    private static void HttpGet(V1HTTPGetAction? h)
    {
        if (h is null)
        {
            return;
        }

        if (string.IsNullOrEmpty(h.Path))
        {
            h.Path = "/";
        }

        if (string.IsNullOrEmpty(h.Scheme))
        {
            h.Scheme = "HTTP";
        }
    }

    private static void Volume(V1Volume v)
    {
        var hasSource = typeof(V1Volume).GetProperties()
            .Where(p => p.Name != nameof(V1Volume.Name))
            .Any(p => p.GetValue(v) is not null);
        if (!hasSource)
        {
            v.EmptyDir = new V1EmptyDirVolumeSource();
        }

        if (v.ConfigMap is { } cm)
        {
            cm.DefaultMode ??= DefaultVolumeMode;
        }

        if (v.Secret is { } secret)
        {
            secret.DefaultMode ??= DefaultVolumeMode;
        }

        if (v.DownwardAPI is { } downward)
        {
            downward.DefaultMode ??= DefaultVolumeMode;
            foreach (var item in downward.Items ?? [])
            {
                if (item.FieldRef is { } fieldRef && string.IsNullOrEmpty(fieldRef.ApiVersion))
                {
                    fieldRef.ApiVersion = "v1";
                }
            }
        }

        if (v.Projected is { } projected)
        {
            projected.DefaultMode ??= DefaultVolumeMode;
            foreach (var source in projected.Sources ?? [])
            {
                if (source.ServiceAccountToken is { } token)
                {
                    token.ExpirationSeconds ??= 3600;
                }

                foreach (var item in source.DownwardAPI?.Items ?? [])
                {
                    if (item.FieldRef is { } fieldRef && string.IsNullOrEmpty(fieldRef.ApiVersion))
                    {
                        fieldRef.ApiVersion = "v1";
                    }
                }
            }
        }

        if (v.HostPath is { } hostPath)
        {
            hostPath.Type ??= "";
        }

        if (v.Iscsi is { } iscsi && string.IsNullOrEmpty(iscsi.IscsiInterface))
        {
            iscsi.IscsiInterface = "default";
        }
    }

    /// <summary>
    /// The tag of an image reference as the container runtime's name parser sees it: "latest" when the
    /// reference has neither tag nor digest, empty when it has only a digest.
    /// </summary>
    public static string ImageTag(string? image)
    {
        if (string.IsNullOrEmpty(image))
        {
            return "latest";
        }

        var name = image;
        var at = name.IndexOf('@');
        var hasDigest = at >= 0;
        if (hasDigest)
        {
            name = name[..at];
        }

        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > slash)
        {
            return name[(colon + 1)..];
        }

        return hasDigest ? "" : "latest";
    }
}
