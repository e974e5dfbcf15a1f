using System.Security.Cryptography.X509Certificates;

namespace Skiff.Agent;

/// <summary>The node agent's current serving certificate, swapped once a signed one arrives; read per TLS handshake. Thread-safe.</summary>
internal sealed class ServingCertificate(X509Certificate2 initial, bool issued = false)
{
    private volatile X509Certificate2 _current = initial;
    private volatile bool _issued = issued;

    public X509Certificate2 Current => _current;

    /// <summary>Whether the current certificate is signed by the cluster CA (not the temporary self-signed one).</summary>
    public bool Issued => _issued;

    /// <summary>Serves <paramref name="certificate"/> from the next handshake on (the old one is left to the collector: live connections may hold it).</summary>
    public void Replace(X509Certificate2 certificate)
    {
        _current = certificate;
        _issued = true;
    }
}
