using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.KubeConfigModels;
using Skiff.Certificates;
using Skiff.IO;

namespace Skiff.Kubeconfig;

/// <summary>
/// Builds the admin kubeconfig: cluster, user and context all named <c>default</c> (as k3s names them),
/// with the CA and the admin client certificate inlined so the file works on its own.
/// </summary>
internal static class AdminKubeconfig
{
    /// <summary>The name of the cluster, user and context entries.</summary>
    public const string EntryName = "default";

    /// <summary>
    /// The URL clients should use for a server bound to <paramref name="bindAddress"/>: a wildcard bind
    /// is reached through loopback, because 0.0.0.0 is not an address a client can connect to.
    /// </summary>
    public static Uri ServerUrl(IPAddress bindAddress, int port)
    {
        var host = bindAddress.Equals(IPAddress.Any) ? IPAddress.Loopback
            : bindAddress.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : bindAddress;

        // UriBuilder brackets IPv6 literals.
        return new UriBuilder(Uri.UriSchemeHttps, host.ToString(), port).Uri;
    }

    /// <summary>Builds the kubeconfig model.</summary>
    public static K8SConfiguration Build(Uri server, X509Certificate2 ca, X509Certificate2 clientCertificate)
    {
        using var key = clientCertificate.GetECDsaPrivateKey()
            ?? throw new InvalidOperationException("the admin client certificate has no ECDSA private key");
        return new K8SConfiguration
        {
            ApiVersion = "v1",
            Kind = "Config",
            Clusters =
            [
                new Cluster
                {
                    Name = EntryName,
                    ClusterEndpoint = new ClusterEndpoint
                    {
                        Server = server.GetLeftPart(UriPartial.Authority),
                        CertificateAuthorityData = Base64(ca.ExportCertificatePem()),
                    },
                },
            ],
            Users =
            [
                new User
                {
                    Name = EntryName,
                    UserCredentials = new UserCredentials
                    {
                        ClientCertificateData = Base64(clientCertificate.ExportCertificatePem()),
                        ClientKeyData = Base64(key.ExportECPrivateKeyPem()),
                    },
                },
            ],
            Contexts =
            [
                new Context
                {
                    Name = EntryName,
                    ContextDetails = new ContextDetails { Cluster = EntryName, User = EntryName },
                },
            ],
            CurrentContext = EntryName,
        };
    }

    /// <summary>Serializes <paramref name="config"/> as YAML.</summary>
    /// <remarks>
    /// A plain YamlDotNet serializer (the kubeconfig model carries its YAML names): KubernetesYaml would build its
    /// map of every API model type at start-up, costing memory the server never uses again.
    /// </remarks>
    public static string ToYaml(K8SConfiguration config) =>
        new YamlDotNet.Serialization.SerializerBuilder()
            .ConfigureDefaultValuesHandling(YamlDotNet.Serialization.DefaultValuesHandling.OmitNull)
            .Build()
            .Serialize(config);

    /// <summary>Writes the kubeconfig for the given server to <paramref name="path"/>, owner-only (it holds the admin key).</summary>
    public static void Write(string path, Uri server, ClusterCertificates certificates)
    {
        var yaml = ToYaml(Build(server, certificates.CertificateAuthority, certificates.AdminClient));
        SecureFile.WriteAllText(path, yaml, SecureFile.Private);
    }

    private static string Base64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem + "\n"));
}
