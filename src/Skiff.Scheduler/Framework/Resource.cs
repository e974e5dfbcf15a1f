using k8s.Models;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// Amounts of node resources in the units kube-scheduler's framework.Resource uses: millicores, bytes, a pod
/// count and integer amounts of extended (scalar) resources. Parsed once from quantities so Filter only adds.
/// </summary>
internal sealed class Resource
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string EphemeralStorage = "ephemeral-storage";
    public const string Pods = "pods";

    public long MilliCpu { get; set; }

    public long MemoryBytes { get; set; }

    public long EphemeralStorageBytes { get; set; }

    public long AllowedPodNumber { get; set; }

    /// <summary>Extended resources (example.com/gpu, hugepages-*), by name.</summary>
    public Dictionary<string, long>? Scalar { get; set; }

    public static Resource From(IDictionary<string, ResourceQuantity>? quantities)
    {
        var r = new Resource();
        if (quantities is null)
        {
            return r;
        }

        foreach (var (name, q) in quantities)
        {
            r.Add(name, q);
        }

        return r;
    }

    public void Add(string name, ResourceQuantity quantity)
    {
        switch (name)
        {
            case Cpu:
                MilliCpu += MilliValue(quantity);
                break;
            case Memory:
                MemoryBytes += Value(quantity);
                break;
            case EphemeralStorage:
                EphemeralStorageBytes += Value(quantity);
                break;
            case Pods:
                AllowedPodNumber += Value(quantity);
                break;
            default:
                if (IsScalar(name))
                {
                    Scalar ??= new Dictionary<string, long>(StringComparer.Ordinal);
                    Scalar[name] = Scalar.GetValueOrDefault(name) + Value(quantity);
                }

                break;
        }
    }

    public void Add(Resource other, int sign = 1)
    {
        MilliCpu += sign * other.MilliCpu;
        MemoryBytes += sign * other.MemoryBytes;
        EphemeralStorageBytes += sign * other.EphemeralStorageBytes;
        AllowedPodNumber += sign * other.AllowedPodNumber;
        if (other.Scalar is not null)
        {
            Scalar ??= new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (k, v) in other.Scalar)
            {
                Scalar[k] = Scalar.GetValueOrDefault(k) + sign * v;
            }
        }
    }

    /// <summary>Per-resource maximum, for init containers (the effective request is max(sum(containers), max(init))).</summary>
    public void SetMax(Resource other)
    {
        MilliCpu = Math.Max(MilliCpu, other.MilliCpu);
        MemoryBytes = Math.Max(MemoryBytes, other.MemoryBytes);
        EphemeralStorageBytes = Math.Max(EphemeralStorageBytes, other.EphemeralStorageBytes);
        if (other.Scalar is not null)
        {
            Scalar ??= new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (k, v) in other.Scalar)
            {
                Scalar[k] = Math.Max(Scalar.GetValueOrDefault(k), v);
            }
        }
    }

    public long ScalarValue(string name) => Scalar?.GetValueOrDefault(name) ?? 0;

    public Resource Clone() => new()
    {
        MilliCpu = MilliCpu,
        MemoryBytes = MemoryBytes,
        EphemeralStorageBytes = EphemeralStorageBytes,
        AllowedPodNumber = AllowedPodNumber,
        Scalar = Scalar is null ? null : new Dictionary<string, long>(Scalar, StringComparer.Ordinal),
    };

    /// <summary>Extended resources and hugepages count; other native names (storage, attachable volumes) do not (kube-scheduler's IsScalarResourceName).</summary>
    public static bool IsScalar(string name) =>
        name.StartsWith("hugepages-", StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal) && !name.StartsWith("kubernetes.io/", StringComparison.Ordinal);

    private static long MilliValue(ResourceQuantity q) => (long)decimal.Ceiling(q.ToDecimal() * 1000m);

    private static long Value(ResourceQuantity q) => (long)decimal.Ceiling(q.ToDecimal());
}
