namespace Skiff.Certificates;

/// <summary>Where the cluster's PEM files live under <c>DATA/server/tls</c> (file names as k3s uses them).</summary>
internal sealed class TlsFiles(string directory)
{
    /// <summary>The directory holding every file below; owner-only.</summary>
    public string Directory { get; } = directory;

    public string CaCertificate => Path.Combine(Directory, "server-ca.crt");

    public string CaKey => Path.Combine(Directory, "server-ca.key");

    public string ServingCertificate => Path.Combine(Directory, "serving-kube-apiserver.crt");

    public string ServingKey => Path.Combine(Directory, "serving-kube-apiserver.key");

    public string AdminCertificate => Path.Combine(Directory, "client-admin.crt");

    public string AdminKey => Path.Combine(Directory, "client-admin.key");
}
