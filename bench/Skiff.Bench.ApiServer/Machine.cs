using System.Runtime.InteropServices;

namespace Skiff.Bench.ApiServer;

/// <summary>The machine the benchmark ran on, so figures can be compared with the reference figures.</summary>
internal sealed record Machine(string Cpu, int Cores, double MemoryGiB, string Os, string DotNet)
{
    public static Machine Current()
    {
        string? cpu = null;
        double memory = 0;
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
            var total = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (total is not null)
            {
                memory = long.Parse(total["MemTotal:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
            }
        }
        catch (IOException)
        {
        }

        return new Machine(cpu ?? "unknown CPU", Environment.ProcessorCount, Math.Round(memory, 1), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);
    }

    public override string ToString() => $"{Cpu}, {Cores} cores, {MemoryGiB:F1} GiB; {Os}; {DotNet}";
}
