using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Skiff.Agent;
using Skiff.Join;

namespace Skiff.Cli.Tests.Join;

public sealed class AgentJoinTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "skiff-join-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, true);
        }
    }

    private static V1Node Node(string? nodeId, string ready) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "host-2",
            Annotations = nodeId is null ? null : new Dictionary<string, string> { [AgentCommand.NodeIdAnnotation] = nodeId },
        },
        Status = new V1NodeStatus
        {
            Conditions = [new V1NodeCondition { Type = "Ready", Status = ready }],
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "192.168.77.12" }],
        },
    };

    [Fact]
    public void NodeNameProblem_LiveNodeOfAnotherAgent_IsRefusedWithItsAddress()
    {
        var problem = AgentCommand.NodeNameProblem(Node("other", "True"), "mine");
        Assert.Equal("node name \"host-2\" is already used by a live Node of another agent (InternalIP 192.168.77.12); choose another --node-name, or stop that agent and remove its Node (kubectl delete node host-2) first", problem);
        Assert.NotNull(AgentCommand.NodeNameProblem(Node(null, "True"), "mine"));
    }

    [Theory]
    [InlineData("mine", "True")]
    [InlineData("other", "Unknown")]
    [InlineData(null, "False")]
    public void NodeNameProblem_OwnNodeOrADeadOne_IsAllowed(string? nodeId, string ready) =>
        Assert.Null(AgentCommand.NodeNameProblem(Node(nodeId, ready), "mine"));

    [Fact]
    public void LoadClient_RenewsAt80PercentOfTheLifetime()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var identity = new AgentIdentity(_dir, time);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(start.AddDays(-1), start.AddYears(5));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=system:node:w1, O=system:nodes", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var issued = request.Create(ca, start, start.AddDays(100), [1, 2, 3]);
        using var saved = AgentIdentity.Save(identity.ClientCertificate, identity.ClientKey, System.Text.Encoding.ASCII.GetBytes(issued.ExportCertificatePem()), key);

        Assert.Equal(start.AddDays(80), AgentIdentity.RenewAt(saved));
        using (var fresh = identity.LoadClient(ca, "system:node:w1", allowDue: false))
        {
            Assert.NotNull(fresh);
        }

        Assert.Null(identity.LoadClient(ca, "system:node:other", allowDue: false));
        time.Advance(TimeSpan.FromDays(81));
        Assert.Null(identity.LoadClient(ca, "system:node:w1", allowDue: false));
        using (var due = identity.LoadClient(ca, "system:node:w1", allowDue: true))
        {
            Assert.NotNull(due);
        }

        time.Advance(TimeSpan.FromDays(20));
        Assert.Null(identity.LoadClient(ca, "system:node:w1", allowDue: true));
    }

    [Fact]
    public void NodeId_IsMadeOnceAndKept()
    {
        var identity = new AgentIdentity(_dir, TimeProvider.System);
        var id = identity.NodeId();
        Assert.Equal(32, id.Length);
        Assert.Equal(id, new AgentIdentity(_dir, TimeProvider.System).NodeId());
    }
}
