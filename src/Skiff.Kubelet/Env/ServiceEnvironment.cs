using System.Globalization;
using k8s.Models;

namespace Skiff.Kubelet.Env;

/// <summary>
/// The Service environment variables the kubelet gives every container (getServiceEnvVarMap + envvars.FromServices):
/// for each Service with a cluster IP, <c>NAME_SERVICE_HOST</c>, <c>NAME_SERVICE_PORT</c>, one
/// <c>NAME_SERVICE_PORT_PORTNAME</c> per named port and the Docker-link variables (<c>NAME_PORT</c>,
/// <c>NAME_PORT_80_TCP</c>, <c>..._PROTO</c>, <c>..._PORT</c>, <c>..._ADDR</c>), NAME being the Service name upper-cased
/// with '-' → '_'. Services of the pod's namespace count only with <c>enableServiceLinks</c> (default true); the
/// <c>kubernetes</c> Service of <c>default</c> always counts, and a same-named Service of the pod's namespace wins.
/// </summary>
internal static class ServiceEnvironment
{
    /// <summary>
    /// Builds the variables from <paramref name="services"/> (any namespaces; the caller may pass all it knows).
    /// <paramref name="enableServiceLinks"/> null means the default, true.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Build(IEnumerable<V1Service> services, string podNamespace, bool? enableServiceLinks)
    {
        var links = enableServiceLinks ?? true;
        var chosen = new Dictionary<string, V1Service>(StringComparer.Ordinal);
        foreach (var svc in services)
        {
            var ip = svc.Spec?.ClusterIP;
            if (string.IsNullOrEmpty(ip) || ip == "None" || svc.Spec!.Ports is not { Count: > 0 })
            {
                continue;
            }

            var name = svc.Metadata?.Name ?? "";
            var ns = svc.Metadata?.NamespaceProperty ?? "";
            if (ns == podNamespace && links)
            {
                chosen[name] = svc;
            }
            else if (ns == "default" && name == "kubernetes")
            {
                chosen.TryAdd(name, svc);
            }
        }

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var svc in chosen.Values.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            foreach (var (k, v) in ForService(svc))
            {
                env[k] = v;
            }
        }

        return env;
    }

    /// <summary>The variables of one Service, in the kubelet's order.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ForService(V1Service svc)
    {
        var prefix = VariableName(svc.Metadata.Name);
        var ip = svc.Spec.ClusterIP;
        var ports = svc.Spec.Ports;
        yield return new(prefix + "_SERVICE_HOST", ip);
        yield return new(prefix + "_SERVICE_PORT", Num(ports[0].Port));
        foreach (var p in ports)
        {
            if (!string.IsNullOrEmpty(p.Name))
            {
                yield return new(prefix + "_SERVICE_PORT_" + VariableName(p.Name), Num(p.Port));
            }
        }

        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            var protocol = string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol;
            var lower = protocol.ToLowerInvariant();
            var hostPort = (ip.Contains(':', StringComparison.Ordinal) ? "[" + ip + "]" : ip) + ":" + Num(p.Port);
            if (i == 0)
            {
                yield return new(prefix + "_PORT", lower + "://" + hostPort);
            }

            var portPrefix = $"{prefix}_PORT_{Num(p.Port)}_{protocol.ToUpperInvariant()}";
            yield return new(portPrefix, lower + "://" + hostPort);
            yield return new(portPrefix + "_PROTO", lower);
            yield return new(portPrefix + "_PORT", Num(p.Port));
            yield return new(portPrefix + "_ADDR", ip);
        }
    }

    private static string VariableName(string s) => s.Replace('-', '_').ToUpperInvariant();

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);
}
