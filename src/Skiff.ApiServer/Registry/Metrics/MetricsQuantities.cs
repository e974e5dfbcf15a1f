using System.Globalization;

namespace Skiff.ApiServer.Registry.Metrics;

/// <summary>CPU as metrics-server writes it: a canonical decimal quantity of nanocores (memory and windows: Skiff.Api.Printing).</summary>
internal static class MetricsQuantities
{
    /// <summary>Nanocores in canonical form: the largest of n, u, m or whole cores that keeps the value an integer ("2071099n", "250m", "2").</summary>
    public static string Cpu(long nanoCores)
    {
        string[] suffixes = ["n", "u", "m", ""];
        var value = nanoCores;
        var i = 0;
        while (i < suffixes.Length - 1 && value != 0 && value % 1000 == 0)
        {
            value /= 1000;
            i++;
        }

        return value == 0 ? "0" : value.ToString(CultureInfo.InvariantCulture) + suffixes[i];
    }
}
