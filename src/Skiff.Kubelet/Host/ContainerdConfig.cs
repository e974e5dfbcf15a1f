using System.Text;

namespace Skiff.Kubelet.Host;

/// <summary>
/// containerd's configuration for a Skiff node (version 2 TOML): its root, state and socket under the agent's data
/// directory, the CRI plugin with the local pause image, overlayfs, runc with cgroupfs, CNI from /usr/lib/cni with a
/// conf dir of our own, and a registry hosts directory. <c>restrict_oom_score_adj</c> is required where the process
/// lacks CAP_SYS_RESOURCE (as in containers and some sandboxes); kubelet asks for no negative scores anyway.
/// </summary>
internal static class ContainerdConfig
{
    public const string PauseImage = "skiff.local/pause:3.9";

    public static string Render(AgentPaths paths, string cniBinDirectory = "/usr/lib/cni", string runcPath = "/usr/sbin/runc")
    {
        var sb = new StringBuilder();
        sb.AppendLine("version = 2");
        sb.AppendLine($"root = {Quote(paths.ContainerdRoot)}");
        sb.AppendLine($"state = {Quote(paths.ContainerdState)}");
        sb.AppendLine("disabled_plugins = [\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.tracing.processor.v1.otlp\", \"io.containerd.internal.v1.tracing\"]");
        sb.AppendLine();
        sb.AppendLine("[grpc]");
        sb.AppendLine($"  address = {Quote(paths.ContainerdSocket)}");
        sb.AppendLine();
        sb.AppendLine("[ttrpc]");
        sb.AppendLine($"  address = {Quote(paths.ContainerdSocket + ".ttrpc")}");
        sb.AppendLine();
        sb.AppendLine("[plugins.\"io.containerd.internal.v1.opt\"]");
        sb.AppendLine($"  path = {Quote(Path.Combine(paths.ContainerdDirectory, "opt"))}");
        sb.AppendLine();
        sb.AppendLine("[plugins.\"io.containerd.grpc.v1.cri\"]");
        sb.AppendLine($"  sandbox_image = {Quote(PauseImage)}");
        sb.AppendLine("  restrict_oom_score_adj = true");
        sb.AppendLine("  enable_selinux = false");
        sb.AppendLine("  disable_apparmor = true");
        sb.AppendLine("  stream_server_address = \"127.0.0.1\"");
        sb.AppendLine("  stream_server_port = \"0\"");
        sb.AppendLine("  max_container_log_line_size = 16384");
        sb.AppendLine("  [plugins.\"io.containerd.grpc.v1.cri\".containerd]");
        sb.AppendLine("    snapshotter = \"overlayfs\"");
        sb.AppendLine("    default_runtime_name = \"runc\"");
        sb.AppendLine("    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]");
        sb.AppendLine("      runtime_type = \"io.containerd.runc.v2\"");
        sb.AppendLine("      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]");
        sb.AppendLine($"        BinaryName = {Quote(runcPath)}");
        sb.AppendLine("        SystemdCgroup = false");
        sb.AppendLine("  [plugins.\"io.containerd.grpc.v1.cri\".cni]");
        sb.AppendLine($"    bin_dir = {Quote(cniBinDirectory)}");
        sb.AppendLine($"    conf_dir = {Quote(paths.CniConfDirectory)}");
        sb.AppendLine("    max_conf_num = 1");
        sb.AppendLine("  [plugins.\"io.containerd.grpc.v1.cri\".registry]");
        sb.AppendLine($"    config_path = {Quote(paths.RegistryHosts)}");
        return sb.ToString();
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
