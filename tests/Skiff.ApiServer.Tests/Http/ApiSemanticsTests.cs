using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Http;

/// <summary>Kubernetes API semantics through the real HTTPS pipeline: the answers a client sees.</summary>
public sealed class ApiSemanticsTests : IAsyncLifetime
{
    private TestServer _server = null!;

    private HttpClient Client => _server.Client;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(HttpStatusCode Code, JsonNode? Body)> SendAsync(HttpMethod method, string url, string? json = null, string contentType = "application/json")
    {
        using var req = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            req.Content = new StringContent(json, System.Text.Encoding.UTF8);
            req.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        using var res = await Client.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        return (res.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private Task<(HttpStatusCode Code, JsonNode? Body)> PostAsync(string url, string json) => SendAsync(HttpMethod.Post, url, json);

    private const string Cms = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task Create_SetsSystemFields()
    {
        var (code, body) = await PostAsync(Cms, """{"metadata":{"name":"a"},"data":{"k":"v"}}""");
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("ConfigMap", (string?)body!["kind"]);
        Assert.Equal("v1", (string?)body["apiVersion"]);
        Assert.False(string.IsNullOrEmpty((string?)body["metadata"]!["uid"]));
        Assert.Matches("^[0-9]+$", (string?)body["metadata"]!["resourceVersion"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string?)body["metadata"]!["creationTimestamp"]);
        Assert.Equal("default", (string?)body["metadata"]!["namespace"]);
    }

    [Fact]
    public async Task Create_Twice_Answers409AlreadyExists()
    {
        await PostAsync(Cms, """{"metadata":{"name":"dup"}}""");
        var (code, body) = await PostAsync(Cms, """{"metadata":{"name":"dup"}}""");
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("AlreadyExists", (string?)body!["reason"]);
        Assert.Equal("configmaps \"dup\" already exists", (string?)body["message"]);
    }

    [Fact]
    public async Task Create_GenerateName_MakesUniqueNames()
    {
        var (_, a) = await PostAsync(Cms, """{"metadata":{"generateName":"gen-"}}""");
        var (_, b) = await PostAsync(Cms, """{"metadata":{"generateName":"gen-"}}""");
        var na = (string)a!["metadata"]!["name"]!;
        var nb = (string)b!["metadata"]!["name"]!;
        Assert.StartsWith("gen-", na);
        Assert.Equal(9, na.Length);
        Assert.NotEqual(na, nb);
    }

    [Fact]
    public async Task Create_MissingName_Answers422WithCause()
    {
        var (code, body) = await PostAsync(Cms, """{"metadata":{}}""");
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("Invalid", (string?)body!["reason"]);
        var cause = body["details"]!["causes"]![0]!;
        Assert.Equal("metadata.name", (string?)cause["field"]);
        Assert.Equal("FieldValueRequired", (string?)cause["reason"]);
    }

    [Theory]
    [InlineData("{\"metadata\":{\"name\":\"x\"", 400)]
    [InlineData("[1,2]", 400)]
    [InlineData("{\"metadata\":{\"name\":\"x\"},\"data\":5}", 400)]
    [InlineData("{\"kind\":\"Secret\",\"metadata\":{\"name\":\"x\"}}", 400)]
    [InlineData("{\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"x\"}}", 400)]
    [InlineData("{\"metadata\":{\"name\":\"x\",\"namespace\":\"other\"}}", 400)]
    [InlineData("{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"5\"}}", 400)]
    [InlineData("{\"metadata\":{\"name\":\"x\",\"labels\":{\"bad key!\":\"v\"}}}", 422)]
    public async Task Create_BadInput_AnswersStatus(string json, int expected)
    {
        var (code, body) = await PostAsync(Cms, json);
        Assert.Equal((HttpStatusCode)expected, code);
        Assert.Equal("Status", (string?)body!["kind"]);
        Assert.Equal("Failure", (string?)body["status"]);
        Assert.Equal(expected, (int)body["code"]!);
        Assert.False(string.IsNullOrEmpty((string?)body["message"]));
    }

    [Fact]
    public async Task Create_YamlBody_IsAccepted()
    {
        var (code, body) = await SendAsync(HttpMethod.Post, Cms, "metadata:\n  name: fromyaml\ndata:\n  n: \"1\"\n", "application/yaml");
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("1", (string?)body!["data"]!["n"]);
    }

    [Fact]
    public async Task Create_OversizeBody_Answers413()
    {
        var big = new string('x', 3 * 1024 * 1024 + 10);
        var (code, body) = await PostAsync(Cms, $$$"""{"metadata":{"name":"big"},"data":{"k":"{{{big}}}"}}""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, code);
        Assert.Equal("RequestEntityTooLarge", (string?)body!["reason"]);
        var (after, _) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps");
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task Create_InMissingNamespace_Answers404()
    {
        var (code, body) = await PostAsync("/api/v1/namespaces/nope/configmaps", """{"metadata":{"name":"x"}}""");
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("namespaces \"nope\" not found", (string?)body!["message"]);
    }

    [Fact]
    public async Task Get_UnknownResource_Answers404Status()
    {
        var (code, body) = await SendAsync(HttpMethod.Get, "/api/v1/foos");
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("NotFound", (string?)body!["reason"]);
        (code, _) = await SendAsync(HttpMethod.Get, "/apis/nope.example.com/v1/things");
        Assert.Equal(HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task ClusterScoped_WithNamespace_Answers404()
    {
        var (code, _) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/nodes");
        Assert.Equal(HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task Update_StaleResourceVersion_Answers409Conflict()
    {
        var (_, created) = await PostAsync(Cms, """{"metadata":{"name":"u"},"data":{"a":"1"}}""");
        var rv = (string)created!["metadata"]!["resourceVersion"]!;
        var (ok, updated) = await SendAsync(HttpMethod.Put, Cms + "/u", $$$"""{"metadata":{"name":"u","resourceVersion":"{{{rv}}}"},"data":{"a":"2"}}""");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.NotEqual(rv, (string?)updated!["metadata"]!["resourceVersion"]);
        Assert.Equal((string?)created["metadata"]!["uid"], (string?)updated["metadata"]!["uid"]);
        var (code, body) = await SendAsync(HttpMethod.Put, Cms + "/u", $$$"""{"metadata":{"name":"u","resourceVersion":"{{{rv}}}"},"data":{"a":"3"}}""");
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", (string?)body!["reason"]);
        Assert.Contains("the object has been modified", (string?)body["message"]);
    }

    [Fact]
    public async Task Update_NoChange_KeepsResourceVersion()
    {
        var (_, created) = await PostAsync(Cms, """{"metadata":{"name":"same"},"data":{"a":"1"}}""");
        var (_, updated) = await SendAsync(HttpMethod.Put, Cms + "/same", """{"metadata":{"name":"same"},"data":{"a":"1"}}""");
        Assert.Equal((string?)created!["metadata"]!["resourceVersion"], (string?)updated!["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task Update_NameMismatch_Answers400()
    {
        await PostAsync(Cms, """{"metadata":{"name":"n1"}}""");
        var (code, _) = await SendAsync(HttpMethod.Put, Cms + "/n1", """{"metadata":{"name":"n2"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task DryRun_Create_DoesNotStore()
    {
        var (code, _) = await PostAsync(Cms + "?dryRun=All", """{"metadata":{"name":"dry"}}""");
        Assert.Equal(HttpStatusCode.Created, code);
        var (get, _) = await SendAsync(HttpMethod.Get, Cms + "/dry");
        Assert.Equal(HttpStatusCode.NotFound, get);
    }

    [Fact]
    public async Task Delete_WithFinalizer_MarksThenUpdateRemovingFinalizerDeletes()
    {
        await PostAsync(Cms, """{"metadata":{"name":"fin","finalizers":["example.com/hold"]}}""");
        var (code, body) = await SendAsync(HttpMethod.Delete, Cms + "/fin");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.NotNull(body!["metadata"]!["deletionTimestamp"]);
        var (_, still) = await SendAsync(HttpMethod.Get, Cms + "/fin");
        Assert.NotNull(still!["metadata"]!["deletionTimestamp"]);
        var (patched, _) = await SendAsync(HttpMethod.Patch, Cms + "/fin", """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, patched);
        var (gone, _) = await SendAsync(HttpMethod.Get, Cms + "/fin");
        Assert.Equal(HttpStatusCode.NotFound, gone);
    }

    [Fact]
    public async Task Delete_Preconditions_UidMismatch_Answers409()
    {
        await PostAsync(Cms, """{"metadata":{"name":"pre"}}""");
        var (code, _) = await SendAsync(HttpMethod.Delete, Cms + "/pre", """{"preconditions":{"uid":"nope"}}""");
        Assert.Equal(HttpStatusCode.Conflict, code);
        var (ok, status) = await SendAsync(HttpMethod.Delete, Cms + "/pre");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("Success", (string?)status!["status"]);
    }

    [Fact]
    public async Task Delete_SystemNamespace_IsForbidden()
    {
        var (code, body) = await SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default");
        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Contains("may not be deleted", (string?)body!["message"]);
    }

    [Fact]
    public async Task List_LabelAndFieldSelectors_Filter()
    {
        await PostAsync(Cms, """{"metadata":{"name":"l1","labels":{"app":"web","tier":"fe"}}}""");
        await PostAsync(Cms, """{"metadata":{"name":"l2","labels":{"app":"db"}}}""");
        await PostAsync(Cms, """{"metadata":{"name":"l3"}}""");
        async Task<string[]> Names(string query)
        {
            var (_, list) = await SendAsync(HttpMethod.Get, Cms + query);
            return list!["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToArray();
        }

        Assert.Equal(["l1"], await Names("?labelSelector=app%3Dweb"));
        Assert.Equal(["l1", "l2"], await Names("?labelSelector=app"));
        Assert.Equal(["l2", "l3"], await Names("?labelSelector=app!%3Dweb"));
        Assert.Equal(["l1", "l2"], await Names("?labelSelector=app%20in%20(web,db)"));
        Assert.Equal(["l3"], await Names("?labelSelector=!app"));
        Assert.Equal(["l2"], await Names("?fieldSelector=metadata.name%3Dl2"));
        Assert.Equal(["l1", "l3"], await Names("?fieldSelector=metadata.name!%3Dl2"));
        var (bad, _) = await SendAsync(HttpMethod.Get, Cms + "?labelSelector=app%20in%20(");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
    }

    [Fact]
    public async Task List_Paging_ReturnsEveryItemOnceAcrossPages()
    {
        for (var i = 0; i < 7; i++)
        {
            await PostAsync(Cms, $$$"""{"metadata":{"name":"p{{{i}}}"}}""");
        }

        var names = new List<string>();
        string? cont = null;
        string? firstRv = null;
        var pages = 0;
        do
        {
            var (_, list) = await SendAsync(HttpMethod.Get, Cms + "?limit=3" + (cont is null ? "" : "&continue=" + Uri.EscapeDataString(cont)));
            names.AddRange(list!["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
            cont = (string?)list["metadata"]!["continue"];
            firstRv ??= (string?)list["metadata"]!["resourceVersion"];
            if (pages == 0)
            {
                Assert.Equal(4, (int)list["metadata"]!["remainingItemCount"]!);

                // A write between pages does not show up: the pages are one consistent snapshot.
                await PostAsync(Cms, """{"metadata":{"name":"p0a"}}""");
            }

            pages++;
        }
        while (cont is not null);

        Assert.Equal(3, pages);
        Assert.Equal(["p0", "p1", "p2", "p3", "p4", "p5", "p6"], names);
    }

    [Fact]
    public async Task List_PagesOf1000_ContinueUntilTheLastItem()
    {
        // Pages after the first are read from the store 1000 keys at a time: a page that ends exactly at the limit
        // must still carry a continue token (kubectl --chunk-size=1000 saw only the first 2000 items).
        await Task.WhenAll(Enumerable.Range(0, 2100).Chunk(100).Select(async chunk =>
        {
            foreach (var i in chunk)
            {
                await PostAsync(Cms, $$$"""{"metadata":{"name":"q{{{i:D4}}}"}}""");
            }
        }));

        var count = 0;
        var pages = 0;
        string? cont = null;
        do
        {
            var (_, list) = await SendAsync(HttpMethod.Get, Cms + "?limit=1000" + (cont is null ? "" : "&continue=" + Uri.EscapeDataString(cont)));
            count += list!["items"]!.AsArray().Count(i => ((string)i!["metadata"]!["name"]!).StartsWith('q'));
            cont = (string?)list["metadata"]!["continue"];
            pages++;
        }
        while (cont is not null && pages < 10);

        Assert.Equal((2100, 3), (count, pages));
    }

    [Fact]
    public async Task List_BadContinue_Answers400()
    {
        var (code, _) = await SendAsync(HttpMethod.Get, Cms + "?limit=1&continue=garbage");
        Assert.Equal(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Watch_FromResourceVersion_StreamsEventsInOrder()
    {
        var (_, list) = await SendAsync(HttpMethod.Get, Cms);
        var rv = (string)list!["metadata"]!["resourceVersion"]!;
        await PostAsync(Cms, """{"metadata":{"name":"w1"}}""");
        await SendAsync(HttpMethod.Patch, Cms + "/w1", """{"metadata":{"labels":{"a":"b"}}}""", "application/merge-patch+json");
        await SendAsync(HttpMethod.Delete, Cms + "/w1");
        using var res = await Client.GetAsync(Cms + $"?watch=true&resourceVersion={rv}&timeoutSeconds=2", HttpCompletionOption.ResponseHeadersRead);
        var lines = (await res.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], lines.Select(l => (string)JsonNode.Parse(l)!["type"]!).ToArray());
        Assert.All(lines, l => Assert.Equal("w1", (string?)JsonNode.Parse(l)!["object"]!["metadata"]!["name"]));
    }

    [Fact]
    public async Task Watch_LabelSelector_SeesObjectLeaveAsDeleted()
    {
        await PostAsync(Cms, """{"metadata":{"name":"sel","labels":{"watch":"me"}}}""");
        using var res = await Client.GetAsync(Cms + "?watch=true&labelSelector=watch%3Dme&timeoutSeconds=2", HttpCompletionOption.ResponseHeadersRead);
        await SendAsync(HttpMethod.Patch, Cms + "/sel", """{"metadata":{"labels":{"watch":"other"}}}""", "application/merge-patch+json");
        var lines = (await res.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ADDED", "DELETED"], lines.Select(l => (string)JsonNode.Parse(l)!["type"]!).ToArray());
    }

    [Fact]
    public async Task Watch_SendInitialEvents_EndsWithAnnotatedBookmark()
    {
        await PostAsync(Cms, """{"metadata":{"name":"init"}}""");
        using var res = await Client.GetAsync(Cms + "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1", HttpCompletionOption.ResponseHeadersRead);
        var lines = (await res.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("ADDED", (string?)lines[0]["type"]);
        Assert.Equal("BOOKMARK", (string?)lines[^1]["type"]);
        Assert.Equal("true", (string?)lines[^1]["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]);
    }

    [Fact]
    public async Task Table_List_HasColumnsAndRows()
    {
        await PostAsync(Cms, """{"metadata":{"name":"t1"},"data":{"a":"1","b":"2"}}""");
        using var req = new HttpRequestMessage(HttpMethod.Get, Cms);
        req.Headers.TryAddWithoutValidation("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json");
        using var res = await Client.SendAsync(req);
        Assert.StartsWith("application/json;as=Table;v=v1;g=meta.k8s.io", res.Content.Headers.ContentType!.ToString().Replace(" ", ""));
        var table = JsonNode.Parse(await res.Content.ReadAsStringAsync())!;
        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal("Name", (string?)table["columnDefinitions"]![0]!["name"]);
        var row = table["rows"]![0]!;
        Assert.Equal("t1", (string?)row["cells"]![0]);
        Assert.Equal("PartialObjectMetadata", (string?)row["object"]!["kind"]);
    }

    [Fact]
    public async Task Anonymous_Answers401_ButHealthIsOpen()
    {
        using var anon = _server.CreateClient(null);
        var res = await anon.GetAsync("/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        Assert.Equal("Unauthorized", (string?)JsonNode.Parse(await res.Content.ReadAsStringAsync())!["reason"]);
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync("/livez")).StatusCode);
    }

    [Fact]
    public async Task BearerToken_FromTokenFile_Authenticates()
    {
        using var anon = _server.CreateClient(null);
        using var req = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces");
        req.Headers.Authorization = new("Bearer", "test-token");
        Assert.Equal(HttpStatusCode.OK, (await anon.SendAsync(req)).StatusCode);
        using var bad = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces");
        bad.Headers.Authorization = new("Bearer", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.SendAsync(bad)).StatusCode);
    }

    [Fact]
    public async Task ForeignClientCertificate_Answers401()
    {
        var other = new TestCertificates();
        using var client = _server.CreateClient(other.Admin);
        var res = await client.GetAsync("/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
    }

    [Fact]
    public async Task SystemNamespaces_ExistAtStart()
    {
        var (_, list) = await SendAsync(HttpMethod.Get, "/api/v1/namespaces");
        var names = list!["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToArray();
        Assert.Equal(["default", "kube-node-lease", "kube-public", "kube-system"], names);
    }

    [Fact]
    public async Task Discovery_AggregatedV2_HasGroupsAndContentType()
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/apis");
        req.Headers.TryAddWithoutValidation("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
        using var res = await Client.SendAsync(req);
        Assert.Contains("as=APIGroupDiscoveryList", res.Content.Headers.ContentType!.ToString());
        var doc = JsonNode.Parse(await res.Content.ReadAsStringAsync())!;
        var groups = doc["items"]!.AsArray().Select(g => (string)g!["metadata"]!["name"]!).ToList();
        Assert.Contains("apps", groups);
        Assert.Contains("rbac.authorization.k8s.io", groups);
        var (code, legacy) = await SendAsync(HttpMethod.Get, "/api/v1");
        Assert.Equal(HttpStatusCode.OK, code);
        var pods = legacy!["resources"]!.AsArray().First(r => (string?)r!["name"] == "pods")!;
        Assert.Equal("po", (string?)pods["shortNames"]![0]);
        Assert.Equal("all", (string?)pods["categories"]![0]);
    }

    [Fact]
    public async Task Version_ReportsV133()
    {
        var (_, v) = await SendAsync(HttpMethod.Get, "/version");
        Assert.Equal("1", (string?)v!["major"]);
        Assert.StartsWith("v1.33.", (string?)v["gitVersion"]);
    }

    [Fact]
    public async Task JsonPatch_TestFailure_Answers422_AndMergePatchApplies()
    {
        await PostAsync(Cms, """{"metadata":{"name":"jp"},"data":{"a":"1"}}""");
        var (code, _) = await SendAsync(HttpMethod.Patch, Cms + "/jp", """[{"op":"test","path":"/data/a","value":"2"},{"op":"replace","path":"/data/a","value":"3"}]""", "application/json-patch+json");
        Assert.Equal((HttpStatusCode)422, code);
        var (ok, body) = await SendAsync(HttpMethod.Patch, Cms + "/jp", """[{"op":"test","path":"/data/a","value":"1"},{"op":"add","path":"/data/b","value":"2"}]""", "application/json-patch+json");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("2", (string?)body!["data"]!["b"]);
    }

    [Fact]
    public async Task Metrics_CountRequestsByVerbResourceAndCode()
    {
        await PostAsync(Cms, """{"metadata":{"name":"m1"}}""");
        await SendAsync(HttpMethod.Get, Cms + "/missing");
        var text = await Client.GetStringAsync("/metrics");
        Assert.Contains("apiserver_request_total{verb=\"POST\",dry_run=\"\",group=\"\",version=\"v1\",resource=\"configmaps\",subresource=\"\",scope=\"namespace\",component=\"apiserver\",code=\"201\"} 1", text);
        Assert.Contains("code=\"404\"", text);
        Assert.Contains("apiserver_storage_objects{resource=\"namespaces\"} 4", text);
        using var anon = _server.CreateClient(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/metrics")).StatusCode);
    }

    private const string Pods = "/api/v1/namespaces/default/pods";
    private const string Deploys = "/apis/apps/v1/namespaces/default/deployments";

    [Fact]
    public async Task Delete_ScheduledPod_IsGraceful_UntilGracePeriodZero()
    {
        await PostAsync(Pods, """{"metadata":{"name":"g1"},"spec":{"nodeName":"n1","terminationGracePeriodSeconds":45,"containers":[{"name":"c","image":"busybox"}]}}""");
        var (code, body) = await SendAsync(HttpMethod.Delete, Pods + "/g1");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(45, (int)body!["metadata"]!["deletionGracePeriodSeconds"]!);
        var (_, still) = await SendAsync(HttpMethod.Get, Pods + "/g1");
        Assert.NotNull(still!["metadata"]!["deletionTimestamp"]);
        var (forced, _) = await SendAsync(HttpMethod.Delete, Pods + "/g1?gracePeriodSeconds=0");
        Assert.Equal(HttpStatusCode.OK, forced);
        var (gone, _) = await SendAsync(HttpMethod.Get, Pods + "/g1");
        Assert.Equal(HttpStatusCode.NotFound, gone);
    }

    [Fact]
    public async Task Delete_UnscheduledPod_IsImmediate()
    {
        await PostAsync(Pods, """{"metadata":{"name":"g2"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}""");
        await SendAsync(HttpMethod.Delete, Pods + "/g2");
        var (gone, _) = await SendAsync(HttpMethod.Get, Pods + "/g2");
        Assert.Equal(HttpStatusCode.NotFound, gone);
    }

    private const string DeploymentJson = """{"metadata":{"name":"d1"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d1"}},"template":{"metadata":{"labels":{"app":"d1"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}""";

    [Fact]
    public async Task Generation_BumpsOnSpecChangeOnly_AndStatusSubresourceKeepsSpec()
    {
        var (_, created) = await PostAsync(Deploys, DeploymentJson);
        Assert.Equal(1, (int)created!["metadata"]!["generation"]!);
        var (_, labelled) = await SendAsync(HttpMethod.Patch, Deploys + "/d1", """{"metadata":{"labels":{"x":"y"}}}""", "application/merge-patch+json");
        Assert.Equal(1, (int)labelled!["metadata"]!["generation"]!);
        var (_, scaled) = await SendAsync(HttpMethod.Patch, Deploys + "/d1", """{"spec":{"replicas":5}}""", "application/merge-patch+json");
        Assert.Equal(2, (int)scaled!["metadata"]!["generation"]!);

        // A main update cannot write status; a status update cannot write spec.
        var (_, ignoredStatus) = await SendAsync(HttpMethod.Patch, Deploys + "/d1", """{"status":{"replicas":7}}""", "application/merge-patch+json");
        Assert.NotEqual(7, (int?)ignoredStatus!["status"]?["replicas"] ?? 0);
        var (code, status) = await SendAsync(HttpMethod.Patch, Deploys + "/d1/status", """{"spec":{"replicas":9},"status":{"replicas":3,"observedGeneration":2}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(3, (int)status!["status"]!["replicas"]!);
        Assert.Equal(5, (int)status["spec"]!["replicas"]!);
    }

    [Fact]
    public async Task Scale_Subresource_ReadsAndWritesReplicas()
    {
        await PostAsync(Deploys, DeploymentJson);
        var (code, scale) = await SendAsync(HttpMethod.Get, Deploys + "/d1/scale");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("Scale", (string?)scale!["kind"]);
        Assert.Equal("autoscaling/v1", (string?)scale["apiVersion"]);
        Assert.Equal(2, (int)scale["spec"]!["replicas"]!);
        Assert.Equal("app=d1", (string?)scale["status"]!["selector"]);
        var (ok, updated) = await SendAsync(HttpMethod.Patch, Deploys + "/d1/scale", """{"spec":{"replicas":4}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(4, (int)updated!["spec"]!["replicas"]!);
        var (_, d) = await SendAsync(HttpMethod.Get, Deploys + "/d1");
        Assert.Equal(4, (int)d!["spec"]!["replicas"]!);
        var (bad, _) = await SendAsync(HttpMethod.Put, Deploys + "/d1/scale", """{"metadata":{"name":"d1"},"spec":{"replicas":-1}}""");
        Assert.Equal((HttpStatusCode)422, bad);
    }

    [Fact]
    public async Task Deployment_InvalidSpec_Answers422WithKubernetesMessage()
    {
        var (code, body) = await PostAsync(Deploys, """{"metadata":{"name":"bad"},"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"y"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}""");
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains("`selector` does not match template `labels`", (string?)body!["message"]);
    }

    [Fact]
    public async Task FieldValidation_StrictRejectsUnknownFields_WarnWarns()
    {
        var (code, body) = await PostAsync(Cms + "?fieldValidation=Strict", """{"metadata":{"name":"fv"},"dta":{"a":"b"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("unknown field \"dta\"", (string?)body!["message"]);
        using var req = new HttpRequestMessage(HttpMethod.Post, Cms + "?fieldValidation=Warn") { Content = TestServer.Json("""{"metadata":{"name":"fv"},"dta":{"a":"b"}}""") };
        using var res = await Client.SendAsync(req);
        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        Assert.Contains("unknown field", string.Join(" ", res.Headers.GetValues("Warning")));
    }

    [Fact]
    public async Task HpaV1_IsStoredAsV2_AndReadableInBoth()
    {
        var (code, _) = await PostAsync("/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
            """{"metadata":{"name":"h1"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"d1"},"minReplicas":1,"maxReplicas":4,"targetCPUUtilizationPercentage":70}}""");
        Assert.Equal(HttpStatusCode.Created, code);
        var (_, v2) = await SendAsync(HttpMethod.Get, "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/h1");
        Assert.Equal("autoscaling/v2", (string?)v2!["apiVersion"]);
        Assert.Equal(70, (int)v2["spec"]!["metrics"]![0]!["resource"]!["target"]!["averageUtilization"]!);
        var (_, v1) = await SendAsync(HttpMethod.Get, "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/h1");
        Assert.Equal("autoscaling/v1", (string?)v1!["apiVersion"]);
        Assert.Equal(70, (int)v1["spec"]!["targetCPUUtilizationPercentage"]!);
    }

    [Fact]
    public async Task Watch_TooOldResourceVersion_GetsExpiredErrorEvent()
    {
        await using var small = await TestServer.StartAsync(o => o.WatchCacheEvents = 5);
        var (_, first) = await PostToAsync(small, """{"metadata":{"name":"old0"}}""");
        var rv = (string)first!["metadata"]!["resourceVersion"]!;
        for (var i = 1; i < 12; i++)
        {
            await PostToAsync(small, $$$"""{"metadata":{"name":"old{{{i}}}"}}""");
        }

        using var res = await small.Client.GetAsync(Cms + $"?watch=true&resourceVersion={rv}&timeoutSeconds=2", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var ev = JsonNode.Parse((await res.Content.ReadAsStringAsync()).Split('\n')[0])!;
        Assert.Equal("ERROR", (string?)ev["type"]);
        Assert.Equal(410, (int)ev["object"]!["code"]!);
        Assert.Equal("Expired", (string?)ev["object"]!["reason"]);
    }

    private static async Task<(HttpStatusCode, JsonNode?)> PostToAsync(TestServer server, string json)
    {
        using var res = await server.Client.PostAsync(Cms, TestServer.Json(json));
        return (res.StatusCode, JsonNode.Parse(await res.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Update_WithOtherUid_Answers409Precondition()
    {
        await PostAsync(Cms, """{"metadata":{"name":"uidc"}}""");
        var (code, body) = await SendAsync(HttpMethod.Patch, Cms + "/uidc", """{"metadata":{"uid":"not-this-one","labels":{"a":"b"}}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Contains("Precondition failed: UID in precondition: not-this-one", (string?)body!["message"]);
    }

    [Fact]
    public async Task MetadataOnly_ListAndWatch_CarryNoSpecOrData()
    {
        await PostAsync(Cms, """{"metadata":{"name":"meta1","labels":{"a":"b"}},"data":{"secret":"value"}}""");
        using var req = new HttpRequestMessage(HttpMethod.Get, Cms);
        req.Headers.TryAddWithoutValidation("Accept", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json");
        using var res = await Client.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        var list = JsonNode.Parse(text)!;
        Assert.Equal("PartialObjectMetadataList", (string?)list["kind"]);
        var item = list["items"]!.AsArray().Single(i => (string?)i!["metadata"]!["name"] == "meta1")!;
        Assert.Equal("PartialObjectMetadata", (string?)item["kind"]);
        Assert.Equal("b", (string?)item["metadata"]!["labels"]!["a"]);
        Assert.DoesNotContain("value", text);

        using var watch = new HttpRequestMessage(HttpMethod.Get, Cms + "?watch=true&timeoutSeconds=1");
        watch.Headers.TryAddWithoutValidation("Accept", "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json");
        using var wres = await Client.SendAsync(watch, HttpCompletionOption.ResponseHeadersRead);
        var events = await wres.Content.ReadAsStringAsync();
        Assert.Contains("\"kind\":\"PartialObjectMetadata\"", events);
        Assert.DoesNotContain("value", events);
    }

    [Fact]
    public async Task PriorityAdmission_ResolvesClassesAndRejectsUnknownOnes()
    {
        var (_, critical) = await PostAsync(Pods, """{"metadata":{"name":"pa1"},"spec":{"priorityClassName":"system-cluster-critical","containers":[{"name":"c","image":"busybox"}]}}""");
        Assert.Equal(2000000000, (int)critical!["spec"]!["priority"]!);

        var (code, body) = await PostAsync(Pods, """{"metadata":{"name":"pa2"},"spec":{"priorityClassName":"nope","containers":[{"name":"c","image":"busybox"}]}}""");
        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Equal("pods \"pa2\" is forbidden: no PriorityClass with name nope was found", (string?)body!["message"]);

        var (_, plain) = await PostAsync(Pods, """{"metadata":{"name":"pa3"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}""");
        Assert.Equal(0, (int)plain!["spec"]!["priority"]!);

        await PostAsync("/apis/scheduling.k8s.io/v1/priorityclasses", """{"metadata":{"name":"everyone"},"value":100,"globalDefault":true,"preemptionPolicy":"Never"}""");
        var (_, defaulted) = await PostAsync(Pods, """{"metadata":{"name":"pa4"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}""");
        Assert.Equal(100, (int)defaulted!["spec"]!["priority"]!);
        Assert.Equal("everyone", (string?)defaulted["spec"]!["priorityClassName"]);
        Assert.Equal("Never", (string?)defaulted["spec"]!["preemptionPolicy"]);

        var (conflict, _) = await PostAsync(Pods, """{"metadata":{"name":"pa5"},"spec":{"priority":7,"containers":[{"name":"c","image":"busybox"}]}}""");
        Assert.Equal(HttpStatusCode.Forbidden, conflict);
    }

    [Fact]
    public async Task ConcurrentPatches_WithoutResourceVersion_AllApply()
    {
        await PostAsync(Cms, """{"metadata":{"name":"race"}}""");
        var codes = await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
            (await SendAsync(HttpMethod.Patch, Cms + "/race", "{\"metadata\":{\"labels\":{\"l" + i + "\":\"v\"}}}", "application/merge-patch+json")).Code));
        Assert.All(codes, c => Assert.Equal(HttpStatusCode.OK, c));
        var (_, obj) = await SendAsync(HttpMethod.Get, Cms + "/race");
        Assert.Equal(24, obj!["metadata"]!["labels"]!.AsObject().Count);
    }
}
