using Skiff.Kubelet.Host;

namespace Skiff.Kubelet.Tests.Host;

public class ContainerdConfigTests
{
    [Fact]
    public void Config_keeps_everything_under_the_data_directory_with_the_settings_this_machine_needs()
    {
        var paths = new AgentPaths("/var/lib/skiff-x");
        var toml = ContainerdConfig.Render(paths);
        Assert.Contains("root = \"/var/lib/skiff-x/agent/containerd/root\"", toml);
        Assert.Contains("state = \"/var/lib/skiff-x/agent/containerd/state\"", toml);
        Assert.Contains("address = \"/var/lib/skiff-x/agent/containerd/containerd.sock\"", toml);
        Assert.Contains("restrict_oom_score_adj = true", toml);
        Assert.Contains("sandbox_image = \"skiff.local/pause:3.9\"", toml);
        Assert.Contains("snapshotter = \"overlayfs\"", toml);
        Assert.Contains("BinaryName = \"/usr/sbin/runc\"", toml);
        Assert.Contains("SystemdCgroup = false", toml);
        Assert.Contains("bin_dir = \"/usr/lib/cni\"", toml);
        Assert.Contains("conf_dir = \"/var/lib/skiff-x/agent/etc/cni/net.d\"", toml);
        Assert.Contains("config_path = \"/var/lib/skiff-x/agent/etc/containerd/certs.d\"", toml);
    }

    [Fact]
    public void MachineInfo_parses_meminfo_and_os_release()
    {
        Assert.Equal(2048L * 1024, MachineInfo.ParseMemTotal("MemFree: 1 kB\nMemTotal:        2048 kB\n"));
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", MachineInfo.ParseOsRelease("NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"));
    }
}
