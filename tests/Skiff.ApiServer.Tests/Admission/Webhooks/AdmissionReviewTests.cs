using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Admission.Webhooks;

namespace Skiff.ApiServer.Tests.Admission.Webhooks;

/// <summary>The AdmissionReview request kube-apiserver sends to a webhook: the requesting user as user.Info, with extra.</summary>
public sealed class AdmissionReviewTests
{
    private static readonly ResourceInfo ConfigMaps = BuiltInResources.Resources.First(r => r.Type == typeof(V1ConfigMap));

    private static AdmissionAttributes Attributes(UserInfo? user) => new()
    {
        Operation = AdmissionOperation.Create,
        Resource = ConfigMaps,
        Namespace = "team",
        Name = "settings",
        Object = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings", NamespaceProperty = "team" } },
        User = user,
    };

    [Fact]
    public void Request_ServiceAccountWithBoundPod_UserInfoCarriesExtra()
    {
        var user = new UserInfo("system:serviceaccount:team:builder", "sa-uid", ["system:serviceaccounts", "system:authenticated"])
        {
            Extra = new Dictionary<string, IReadOnlyList<string>> { ["authentication.kubernetes.io/pod-name"] = ["web-0"] },
        };
        var info = AdmissionReview.Request("admission.k8s.io/v1", "req-1", Attributes(user))["request"]!["userInfo"]!;
        Assert.Equal("system:serviceaccount:team:builder", (string?)info["username"]);
        Assert.Equal("sa-uid", (string?)info["uid"]);
        Assert.Equal(["system:serviceaccounts", "system:authenticated"], info["groups"]!.AsArray().Select(g => (string?)g));
        Assert.Equal("web-0", (string?)info["extra"]!["authentication.kubernetes.io/pod-name"]![0]);
    }

    [Fact]
    public void Request_UserWithoutExtra_HasNoExtraField()
    {
        var info = AdmissionReview.Request("admission.k8s.io/v1", "req-1", Attributes(new UserInfo("alice", "", ["system:authenticated"])))["request"]!["userInfo"]!.AsObject();
        Assert.False(info.ContainsKey("extra"));
    }
}
