using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Skiff.Kubelet.Host;

/// <summary>What the node reports about the machine (cAdvisor's machine info in kubelet): CPUs, memory, disk, kernel and OS.</summary>
internal sealed record MachineInfo(int Cpus, long MemoryBytes, long EphemeralStorageBytes, string KernelVersion, string OsImage, string MachineId, string BootId, string SystemUuid)
{
    /// <summary>Reads the machine; the disk is the filesystem holding <paramref name="dataDirectory"/>.</summary>
    public static MachineInfo Read(string dataDirectory)
    {
        long disk;
        try
        {
            Directory.CreateDirectory(dataDirectory);
            disk = new DriveInfo(dataDirectory).TotalSize;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            disk = 0;
        }

        return new MachineInfo(
            Environment.ProcessorCount,
            ParseMemTotal(ReadOrEmpty("/proc/meminfo")),
            disk,
            ReadOrEmpty("/proc/sys/kernel/osrelease").Trim(),
            ParseOsRelease(ReadOrEmpty("/etc/os-release")),
            ReadOrEmpty("/etc/machine-id").Trim(),
            ReadOrEmpty("/proc/sys/kernel/random/boot_id").Trim(),
            ReadOrEmpty("/sys/class/dmi/id/product_uuid").Trim());
    }

    /// <summary>MemTotal of /proc/meminfo in bytes.</summary>
    internal static long ParseMemTotal(string meminfo)
    {
        foreach (var line in meminfo.Split('\n'))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                var parts = line["MemTotal:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 0 && long.TryParse(parts[0], out var kib))
                {
                    return kib * 1024;
                }
            }
        }

        return 0;
    }

    /// <summary>PRETTY_NAME of /etc/os-release (what kubelet reports as osImage).</summary>
    internal static string ParseOsRelease(string osRelease)
    {
        foreach (var line in osRelease.Split('\n'))
        {
            if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
            {
                return line["PRETTY_NAME=".Length..].Trim().Trim('"');
            }
        }

        return "Linux";
    }

    /// <summary>The node's InternalIP when none is configured: the first up, non-loopback IPv4 address, else 127.0.0.1.</summary>
    public static IPAddress DefaultNodeAddress()
    {
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback || nic.Name.StartsWith("skiff", StringComparison.Ordinal) || nic.Name.StartsWith("veth", StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(unicast.Address))
                    {
                        return unicast.Address;
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
        }

        return IPAddress.Loopback;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
