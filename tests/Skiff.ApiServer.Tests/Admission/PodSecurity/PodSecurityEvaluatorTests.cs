using k8s.Models;
using Skiff.ApiServer.Admission.PodSecurity;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Tests.Admission.PodSecurity;

/// <summary>Every check of the Pod Security Standards, table-driven: a pod spec, the level, and the exact text Kubernetes prints.</summary>
public sealed class PodSecurityEvaluatorTests
{
    private const string Plain = """{"containers":[{"name":"c","image":"busybox"}]}""";

    /// <summary>A restricted-compliant container, so restricted cases isolate the one field they are about.</summary>
    private const string GoodContext = """
        "securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"},"capabilities":{"drop":["ALL"]}}
        """;

    public static TheoryData<string, string, string, string> Baseline => new()
    {
        // name, annotations JSON, spec JSON, expected failures
        { "plain pod", "{}", Plain, "" },
        { "hostNetwork+hostPID", "{}", """{"hostNetwork":true,"hostPID":true,"containers":[{"name":"c"}]}""", "host namespaces (hostNetwork=true, hostPID=true)" },
        { "hostIPC", "{}", """{"hostIPC":true,"containers":[{"name":"c"}]}""", "host namespaces (hostIPC=true)" },
        { "privileged", "{}", """{"containers":[{"name":"c","securityContext":{"privileged":true}}]}""", "privileged (container \"c\" must not set securityContext.privileged=true)" },
        { "privileged two", "{}", """{"initContainers":[{"name":"i","securityContext":{"privileged":true}}],"containers":[{"name":"c","securityContext":{"privileged":true}}]}""",
            "privileged (containers \"i\", \"c\" must not set securityContext.privileged=true)" },
        { "default capability ok", "{}", """{"containers":[{"name":"c","securityContext":{"capabilities":{"add":["CHOWN","NET_BIND_SERVICE"]}}}]}""", "" },
        { "non-default capabilities", "{}", """{"containers":[{"name":"c","securityContext":{"capabilities":{"add":["SYS_ADMIN","NET_ADMIN","CHOWN"]}}}]}""",
            "non-default capabilities (container \"c\" must not include \"NET_ADMIN\", \"SYS_ADMIN\" in securityContext.capabilities.add)" },
        { "hostPath", "{}", """{"containers":[{"name":"c"}],"volumes":[{"name":"root","hostPath":{"path":"/"}},{"name":"e","emptyDir":{}},{"name":"etc","hostPath":{"path":"/etc"}}]}""",
            "hostPath volumes (volumes \"root\", \"etc\")" },
        { "hostPort", "{}", """{"containers":[{"name":"c","ports":[{"containerPort":80,"hostPort":8080},{"containerPort":443}]}]}""", "hostPort (container \"c\" uses hostPort 8080)" },
        { "hostPorts two containers", "{}", """{"containers":[{"name":"a","ports":[{"containerPort":80,"hostPort":80}]},{"name":"b","ports":[{"containerPort":90,"hostPort":9090}]}]}""",
            "hostPort (containers \"a\", \"b\" use hostPorts 80, 9090)" },
        { "apparmor unconfined field", "{}", """{"securityContext":{"appArmorProfile":{"type":"Unconfined"}},"containers":[{"name":"c"}]}""",
            "forbidden AppArmor profile (pod must not set AppArmor profile type to \"Unconfined\")" },
        { "apparmor container and annotation", """{"container.apparmor.security.beta.kubernetes.io/c":"unconfined"}""",
            """{"containers":[{"name":"c","securityContext":{"appArmorProfile":{"type":"Unconfined"}}}]}""",
            "forbidden AppArmor profiles (container \"c\" and annotation must not set AppArmor profile type to \"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/c=\"unconfined\"\")" },
        { "apparmor runtime/default ok", """{"container.apparmor.security.beta.kubernetes.io/c":"runtime/default"}""", Plain, "" },
        { "selinux type", "{}", """{"securityContext":{"seLinuxOptions":{"type":"spc_t"}},"containers":[{"name":"c"}]}""",
            "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type \"spc_t\")" },
        { "selinux user", "{}", """{"containers":[{"name":"c","securityContext":{"seLinuxOptions":{"user":"root"}}}]}""",
            "seLinuxOptions (container \"c\" set forbidden securityContext.seLinuxOptions: user may not be set)" },
        { "selinux container_t ok", "{}", """{"containers":[{"name":"c","securityContext":{"seLinuxOptions":{"type":"container_t","level":"s0:c1"}}}]}""", "" },
        { "procMount", "{}", """{"containers":[{"name":"c","securityContext":{"procMount":"Unmasked"}}]}""",
            "procMount (container \"c\" must not set securityContext.procMount to \"Unmasked\")" },
        { "seccomp unconfined", "{}", """{"securityContext":{"seccompProfile":{"type":"Unconfined"}},"containers":[{"name":"c"}]}""",
            "seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")" },
        { "seccomp localhost ok", "{}", """{"containers":[{"name":"c","securityContext":{"seccompProfile":{"type":"Localhost","localhostProfile":"p.json"}}}]}""", "" },
        { "sysctls", "{}", """{"securityContext":{"sysctls":[{"name":"kernel.msgmax","value":"1"},{"name":"net.ipv4.tcp_syncookies","value":"1"}]},"containers":[{"name":"c"}]}""",
            "forbidden sysctls (kernel.msgmax)" },
        { "hostProcess", "{}", """{"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"c","securityContext":{"windowsOptions":{"hostProcess":true}}}]}""",
            "hostProcess (pod and container \"c\" must not set securityContext.windowsOptions.hostProcess=true)" },
        { "ephemeral containers are checked", "{}", """{"containers":[{"name":"c"}],"ephemeralContainers":[{"name":"dbg","securityContext":{"privileged":true}}]}""",
            "privileged (container \"dbg\" must not set securityContext.privileged=true)" },
        { "several, in Kubernetes' order", "{}", """{"hostNetwork":true,"containers":[{"name":"c","securityContext":{"privileged":true},"ports":[{"containerPort":80,"hostPort":80}]}],"volumes":[{"name":"h","hostPath":{"path":"/"}}]}""",
            "host namespaces (hostNetwork=true), hostPath volumes (volume \"h\"), hostPort (container \"c\" uses hostPort 80), privileged (container \"c\" must not set securityContext.privileged=true)" },
    };

    [Theory]
    [MemberData(nameof(Baseline))]
    public void Baseline_Check(string name, string annotations, string spec, string expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, Evaluate(new LevelVersion(PodSecurityLevel.Baseline, null), annotations, spec));
    }

    public static TheoryData<string, string, string> Restricted => new()
    {
        { "compliant", $$$"""{"containers":[{"name":"c",{{{GoodContext}}}}]}""", "" },
        { "compliant with pod-level runAsNonRoot and seccomp", """
            {"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
             "containers":[{"name":"c","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}}}]}
            """, "" },
        { "plain pod", Plain,
            "allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), " +
            "unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), " +
            "runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), " +
            "seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")" },
        { "privileged pod: baseline failures first", """{"containers":[{"name":"c","securityContext":{"privileged":true,"allowPrivilegeEscalation":false,"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"},"capabilities":{"drop":["ALL"]}}}]}""",
            "privileged (container \"c\" must not set securityContext.privileged=true)" },
        { "adds capabilities", """{"containers":[{"name":"c","securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"},"capabilities":{"drop":["ALL"],"add":["CHOWN"]}}}]}""",
            "unrestricted capabilities (container \"c\" must not include \"CHOWN\" in securityContext.capabilities.add)" },
        { "restricted volume types", $$$"""{"containers":[{"name":"c",{{{GoodContext}}}}],"volumes":[{"name":"h","hostPath":{"path":"/"}},{"name":"n","nfs":{"server":"x","path":"/"}},{"name":"cm","configMap":{"name":"x"}}]}""",
            "restricted volume types (volumes \"h\", \"n\" use restricted volume types \"hostPath\", \"nfs\")" },
        { "runAsNonRoot false on pod", """{"securityContext":{"runAsNonRoot":false},"containers":[{"name":"c","securityContext":{"allowPrivilegeEscalation":false,"seccompProfile":{"type":"RuntimeDefault"},"capabilities":{"drop":["ALL"]}}}]}""",
            "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)" },
        { "runAsUser 0", """{"securityContext":{"runAsUser":0},"containers":[{"name":"c","securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true,"runAsUser":0,"seccompProfile":{"type":"RuntimeDefault"},"capabilities":{"drop":["ALL"]}}}]}""",
            "runAsUser=0 (pod and container \"c\" must not set runAsUser=0)" },
        { "seccomp unconfined container", """{"containers":[{"name":"c","securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true,"seccompProfile":{"type":"Unconfined"},"capabilities":{"drop":["ALL"]}}}]}""",
            "seccompProfile (container \"c\" must not set securityContext.seccompProfile.type to \"Unconfined\")" },
        { "windows pods skip the Linux-only checks", """{"os":{"name":"windows"},"securityContext":{"runAsNonRoot":true},"containers":[{"name":"c"}]}""", "" },
    };

    [Theory]
    [MemberData(nameof(Restricted))]
    public void Restricted_Check(string name, string spec, string expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, Evaluate(new LevelVersion(PodSecurityLevel.Restricted, null), "{}", spec));
    }

    [Fact]
    public void Privileged_AllowsEverything()
    {
        Assert.Equal("", Evaluate(LevelVersion.PrivilegedLatest, "{}", """{"hostNetwork":true,"containers":[{"name":"c","securityContext":{"privileged":true}}]}"""));
    }

    [Fact]
    public void Versions_ApplyTheChecksOfTheirTime()
    {
        // runAsUser=0 is restricted from v1.23; capabilities must be dropped from v1.22; seccomp is a field from v1.19.
        const string spec = """{"containers":[{"name":"c","securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true,"runAsUser":0,"seccompProfile":{"type":"RuntimeDefault"}}}]}""";
        Assert.Equal("", Evaluate(new LevelVersion(PodSecurityLevel.Restricted, 21), "{}", spec));
        Assert.Equal("unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"])", Evaluate(new LevelVersion(PodSecurityLevel.Restricted, 22), "{}", spec));
        Assert.StartsWith("unrestricted capabilities", Evaluate(new LevelVersion(PodSecurityLevel.Restricted, 23), "{}", spec));
        Assert.EndsWith("runAsUser=0 (container \"c\" must not set runAsUser=0)", Evaluate(new LevelVersion(PodSecurityLevel.Restricted, 23), "{}", spec));

        // Newer sysctls become safe in later versions.
        const string sysctl = """{"securityContext":{"sysctls":[{"name":"net.ipv4.tcp_keepalive_time","value":"60"}]},"containers":[{"name":"c"}]}""";
        Assert.Equal("forbidden sysctls (net.ipv4.tcp_keepalive_time)", Evaluate(new LevelVersion(PodSecurityLevel.Baseline, 28), "{}", sysctl));
        Assert.Equal("", Evaluate(new LevelVersion(PodSecurityLevel.Baseline, 29), "{}", sysctl));

        // Before v1.19 seccomp was judged by the alpha annotations.
        Assert.Equal("seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod=\"unconfined\")",
            Evaluate(new LevelVersion(PodSecurityLevel.Baseline, 18), """{"seccomp.security.alpha.kubernetes.io/pod":"unconfined"}""", Plain));
    }

    [Theory]
    [InlineData("latest", true, null)]
    [InlineData("v1.29", true, 29)]
    [InlineData("v1.0", true, 0)]
    [InlineData("1.29", false, null)]
    [InlineData("v2.1", false, null)]
    [InlineData("v1.01", false, null)]
    [InlineData("v1.", false, null)]
    public void Version_Parse(string text, bool ok, int? minor)
    {
        Assert.Equal(ok, LevelVersion.TryParseVersion(text, out var m));
        Assert.Equal(minor, m);
    }

    [Fact]
    public void NamespacePolicy_FromLabels_DefaultsAndInvalidValues()
    {
        var policy = NamespacePolicy.FromLabels(new Dictionary<string, string>
        {
            ["pod-security.kubernetes.io/enforce"] = "baseline",
            ["pod-security.kubernetes.io/warn"] = "restricted",
            ["pod-security.kubernetes.io/warn-version"] = "v1.28",
        });
        Assert.Equal("baseline:latest", policy.Enforce.ToString());
        Assert.Equal("restricted:v1.28", policy.Warn.ToString());
        Assert.Equal("privileged:latest", policy.Audit.ToString());

        var errors = new Skiff.Api.Validation.FieldErrors();
        var bad = NamespacePolicy.FromLabels(new Dictionary<string, string> { ["pod-security.kubernetes.io/enforce"] = "strict" }, errors);
        Assert.Equal(PodSecurityLevel.Restricted, bad.Enforce.Level);
        Assert.Contains("metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted", errors.Aggregate());
    }

    private static string Evaluate(LevelVersion policy, string annotations, string spec)
    {
        var meta = new V1ObjectMeta { Name = "p", Annotations = ApiJson.Deserialize<Dictionary<string, string>>(System.Text.Encoding.UTF8.GetBytes(annotations)) };
        return PodSecurityEvaluator.Describe(PodSecurityEvaluator.Evaluate(policy, meta, ApiJson.Deserialize<V1PodSpec>(System.Text.Encoding.UTF8.GetBytes(spec))));
    }
}
