using k8s.Models;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Tests.Env;

public class EnvResolverTests
{
    private static V1EnvVar Val(string name, string value) => new() { Name = name, Value = value };

    private static V1EnvVar CmKey(string name, string cm, string key, bool? optional = null) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = cm, Key = key, Optional = optional } } };

    private static V1EnvVar SecretKey(string name, string secret, string key, bool? optional = null) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key, Optional = optional } } };

    private static async Task<ContainerEnvironment> Resolve(FakeObjectSource objects, V1Container container, IReadOnlyDictionary<string, string>? serviceEnv = null, bool relaxed = true)
    {
        var pod = DownwardApiTests.Pod();
        pod.Spec.Containers[0] = container;
        return await new EnvResolver(objects).ResolveAsync(
            new EnvRequest { Pod = pod, Container = container, ServiceEnv = serviceEnv, RelaxedNames = relaxed },
            CancellationToken.None);
    }

    [Fact]
    public async Task Values_expand_against_earlier_variables_and_service_env()
    {
        var c = new V1Container
        {
            Name = "app",
            Env =
            [
                Val("LATER_REF", "$(FIRST)"),   // FIRST is not defined yet: stays as written
                Val("FIRST", "one"),
                Val("SECOND", "$(FIRST)-two"),
                Val("SVC", "http://$(DB_SERVICE_HOST):$(DB_SERVICE_PORT)"),
                Val("ESC", "$$(FIRST)"),
                Val("MISSING", "$(NOPE)"),
            ],
        };
        var svc = new Dictionary<string, string> { ["DB_SERVICE_HOST"] = "10.43.0.9", ["DB_SERVICE_PORT"] = "5432" };
        var env = (await Resolve(new FakeObjectSource(), c, svc)).ToDictionary();
        Assert.Equal("$(FIRST)", env["LATER_REF"]);
        Assert.Equal("one-two", env["SECOND"]);
        Assert.Equal("http://10.43.0.9:5432", env["SVC"]);
        Assert.Equal("$(FIRST)", env["ESC"]);
        Assert.Equal("$(NOPE)", env["MISSING"]);
        Assert.Equal("10.43.0.9", env["DB_SERVICE_HOST"]);
    }

    [Fact]
    public async Task Container_variables_override_service_variables_and_envFrom_in_place()
    {
        var objects = new FakeObjectSource().AddConfigMap("shop", "cfg", new() { ["A"] = "from-cm", ["B"] = "b" });
        var c = new V1Container
        {
            Name = "app",
            EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "cfg" } }],
            Env = [Val("A", "from-env"), Val("DB_SERVICE_HOST", "mine")],
        };
        var result = await Resolve(objects, c, new Dictionary<string, string> { ["DB_SERVICE_HOST"] = "10.43.0.9", ["DB_SERVICE_PORT"] = "5432" });
        Assert.Equal(["A=from-env", "B=b", "DB_SERVICE_HOST=mine", "DB_SERVICE_PORT=5432"], result.ToStrings());
    }

    [Fact]
    public async Task FieldRef_and_resourceFieldRef_resolve()
    {
        var c = DownwardApiTests.Pod().Spec.Containers[0];
        c.Env =
        [
            new V1EnvVar { Name = "POD", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new V1EnvVar { Name = "IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
            new V1EnvVar { Name = "MEM", ValueFrom = new V1EnvVarSource { ResourceFieldRef = new V1ResourceFieldSelector { Resource = "limits.memory", Divisor = new("1Mi") } } },
            new V1EnvVar { Name = "SIDE_CPU", ValueFrom = new V1EnvVarSource { ResourceFieldRef = new V1ResourceFieldSelector { ContainerName = "side", Resource = "requests.cpu", Divisor = new("1m") } } },
            Val("GREETING", "hi $(POD) at $(IP)"),
        ];
        var env = (await Resolve(new FakeObjectSource(), c)).ToDictionary();
        Assert.Equal("web", env["POD"]);
        Assert.Equal("10.42.0.5", env["IP"]);
        Assert.Equal("128", env["MEM"]);
        Assert.Equal("0", env["SIDE_CPU"]);
        Assert.Equal("hi web at 10.42.0.5", env["GREETING"]);
    }

    public static TheoryData<V1EnvVar, string> MissingSources => new()
    {
        { CmKey("X", "absent", "k"), "configmap \"absent\" not found" },
        { CmKey("X", "cfg", "nokey"), "couldn't find key nokey in ConfigMap shop/cfg" },
        { SecretKey("X", "absent", "k"), "secret \"absent\" not found" },
        { SecretKey("X", "creds", "nokey"), "couldn't find key nokey in Secret shop/creds" },
        { new V1EnvVar { Name = "X", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.bogus" } } }, "unsupported fieldPath: spec.bogus" },
    };

    [Theory]
    [MemberData(nameof(MissingSources))]
    public async Task Missing_required_sources_fail_with_kubelet_messages(V1EnvVar envVar, string message)
    {
        var objects = new FakeObjectSource().AddConfigMap("shop", "cfg", new() { ["k"] = "v" }).AddSecret("shop", "creds", new() { ["k"] = "v" });
        var ex = await Assert.ThrowsAsync<CreateContainerConfigException>(() => Resolve(objects, new V1Container { Name = "app", Env = [envVar] }));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public async Task Optional_missing_sources_are_skipped()
    {
        var objects = new FakeObjectSource().AddConfigMap("shop", "cfg", new() { ["k"] = "v" });
        var c = new V1Container
        {
            Name = "app",
            Env = [CmKey("A", "absent", "k", true), CmKey("B", "cfg", "nokey", true), SecretKey("C", "absent", "k", true), CmKey("D", "cfg", "k", true)],
            EnvFrom =
            [
                new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "absent", Optional = true } },
                new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "absent", Optional = true } },
            ],
        };
        var result = await Resolve(objects, c);
        Assert.Equal(["D=v"], result.ToStrings());
    }

    [Fact]
    public async Task EnvFrom_required_missing_fails()
    {
        var c = new V1Container { Name = "app", EnvFrom = [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "gone" } }] };
        var ex = await Assert.ThrowsAsync<CreateContainerConfigException>(() => Resolve(new FakeObjectSource(), c));
        Assert.Equal("secret \"gone\" not found", ex.Message);
    }

    [Fact]
    public async Task EnvFrom_applies_prefix_decodes_secrets_and_reads_each_object_once()
    {
        var objects = new FakeObjectSource()
            .AddConfigMap("shop", "cfg", new() { ["HOST"] = "db", ["PORT"] = "5432" })
            .AddSecret("shop", "creds", new() { ["PASSWORD"] = "s3cr3t" });
        var c = new V1Container
        {
            Name = "app",
            EnvFrom =
            [
                new V1EnvFromSource { Prefix = "DB_", ConfigMapRef = new V1ConfigMapEnvSource { Name = "cfg" } },
                new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "creds" } },
            ],
            Env = [CmKey("HOST_AGAIN", "cfg", "HOST"), SecretKey("PW", "creds", "PASSWORD"), Val("URL", "$(DB_HOST):$(DB_PORT)")],
        };
        var result = await Resolve(objects, c);
        Assert.Equal(["DB_HOST=db", "DB_PORT=5432", "PASSWORD=s3cr3t", "HOST_AGAIN=db", "PW=s3cr3t", "URL=db:5432"], result.ToStrings());
        Assert.Equal(2, objects.Calls);
        Assert.Empty(result.Events);
    }

    [Fact]
    public async Task EnvFrom_skips_invalid_names_with_the_kubelet_event()
    {
        var objects = new FakeObjectSource().AddConfigMap("shop", "cfg", new() { ["1badkey"] = "x", ["2alsobad"] = "y", ["good"] = "z", ["dotted.key"] = "w" });
        var c = new V1Container { Name = "app", EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "cfg" } }] };

        var strict = await Resolve(objects, c, relaxed: false);
        Assert.Equal(["good=z"], strict.ToStrings());
        var ev = Assert.Single(strict.Events);
        Assert.Equal(("Warning", "InvalidEnvironmentVariableNames"), (ev.Type, ev.Reason));
        Assert.Equal("Keys [1badkey, 2alsobad, dotted.key] from the EnvFrom configMap shop/cfg were skipped since they are considered invalid environment variable names.", ev.Message);

        // With relaxed names (the v1.33 default) only '=' and non-printable characters are invalid.
        var withPrefix = new V1Container { Name = "app", EnvFrom = [new V1EnvFromSource { Prefix = "P=", ConfigMapRef = new V1ConfigMapEnvSource { Name = "cfg" } }] };
        var relaxed = await Resolve(objects, withPrefix);
        Assert.Empty(relaxed.Variables);
        Assert.Contains("Keys [P=1badkey, P=2alsobad, P=dotted.key, P=good]", Assert.Single(relaxed.Events).Message);
        Assert.Equal(4, (await Resolve(objects, c)).Variables.Count);
    }

    [Theory]
    [InlineData("FOO", false, true)]
    [InlineData("_foo9", false, true)]
    [InlineData("9foo", false, false)]
    [InlineData("foo.bar", false, false)]
    [InlineData("foo-bar", false, false)]
    [InlineData("", false, false)]
    [InlineData("9foo.bar-baz", true, true)]
    [InlineData("a=b", true, false)]
    [InlineData("tab\there", true, false)]
    public void IsValidName_follows_strict_and_relaxed_rules(string name, bool relaxed, bool valid) =>
        Assert.Equal(valid, EnvResolver.IsValidName(name, relaxed));
}
