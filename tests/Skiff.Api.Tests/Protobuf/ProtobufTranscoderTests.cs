using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Api.Protobuf;
using Xunit.Abstractions;

namespace Skiff.Api.Tests.Protobuf;

public sealed class ProtobufTranscoderTests(ITestOutputHelper output)
{
    // Field numbers below are the published ones of k8s.io/api and apimachinery generated.proto.
    private static Action<ProtoWriter> Meta(string name, string? ns = null) => m =>
    {
        m.String(1, name);
        if (ns is not null)
        {
            m.String(3, ns);
        }
    };

    private static string Json(byte[] body) => Encoding.UTF8.GetString(ProtobufTranscoder.ToJson(body));

    private static void AssertJson(string expected, byte[] body)
    {
        var actual = Json(body);
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)),
            $"expected {expected}\n  actual {actual}");
    }

    [Fact]
    public void ToJson_ConfigMap_WritesDataAndLabels()
    {
        var raw = ProtoWriter.Message(cm =>
        {
            cm.Message(1, m =>
            {
                Meta("cfg", "default")(m);
                m.MapEntry(11, "app", "web").MapEntry(11, "tier", "front");
            });
            cm.MapEntry(2, "a", "b").MapEntry(2, "ünï", "line1\nline2");
        });

        var json = Json(ProtoWriter.Envelope("v1", "ConfigMap", raw));

        Assert.Equal(
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default","labels":{"app":"web","tier":"front"}},"data":{"a":"b","ünï":"line1\nline2"}}""",
            json);
        var cm = KubernetesJson.Deserialize<V1ConfigMap>(json);
        Assert.Equal("line1\nline2", cm.Data["ünï"]);
        Assert.Equal("web", cm.Metadata.Labels["app"]);
    }

    [Fact]
    public void ToJson_SecretBinaryData_IsBase64()
    {
        byte[] secret = [0x00, 0xFF, 0x10, 0x80, (byte)'k'];
        var raw = ProtoWriter.Message(s =>
        {
            s.Message(1, Meta("s", "ns1"));
            s.Message(2, e => e.String(1, "bin").Bytes(2, secret));
            s.String(3, "Opaque");
        });

        var json = Json(ProtoWriter.Envelope("v1", "Secret", raw));

        AssertJson("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"ns1"},"data":{"bin":"AP8QgGs="},"type":"Opaque"}""", ProtoWriter.Envelope("v1", "Secret", raw));
        Assert.Equal(secret, KubernetesJson.Deserialize<V1Secret>(json).Data["bin"]);
    }

    private static byte[] DeploymentBody() => ProtoWriter.Envelope("apps/v1", "Deployment", ProtoWriter.Message(d =>
    {
        d.Message(1, Meta("web", "default"));
        d.Message(2, spec =>
        {
            spec.Varint(1, 0); // replicas: a pointer in Go, so a zero on the wire is a real zero
            spec.Message(2, sel => sel.MapEntry(1, "app", "web"));
            spec.Message(3, template =>
            {
                template.Message(1, m => m.MapEntry(11, "app", "web"));
                template.Message(2, pod => pod.Message(2, c =>
                {
                    c.String(1, "nginx").String(2, "nginx:1.27");
                    c.Message(6, p => p.String(1, "http").Varint(3, 80).String(4, "TCP"));
                    c.Message(6, p => p.Varint(3, 443).String(4, "TCP"));
                    c.Message(8, r =>
                    {
                        r.Message(1, e => e.String(1, "cpu").Message(2, q => q.String(1, "500m")));
                        r.Message(1, e => e.String(1, "memory").Message(2, q => q.String(1, "128Mi")));
                        r.Message(2, e => e.String(1, "cpu").Message(2, q => q.String(1, "250m")));
                    });
                    c.Message(10, probe =>
                    {
                        // Probe.handler is `json:",inline"`: httpGet lands directly in the probe.
                        probe.Message(1, h => h.Message(2, get => get.String(1, "/healthz").Message(2, port => port.Varint(1, 1).String(3, "http"))));
                        probe.Varint(4, 10);
                    });
                }));
            });
            spec.Message(4, strategy =>
            {
                strategy.String(1, "RollingUpdate");
                strategy.Message(2, ru =>
                {
                    ru.Message(1, i => i.Varint(1, 0).Varint(2, 1));
                    ru.Message(2, i => i.Varint(1, 1).String(3, "25%"));
                });
            });
            spec.Varint(5, 0); // minReadySeconds: a Go value with omitempty, so zero is dropped
            spec.Varint(6, 10);
        });
        d.Message(3, _ => { });
    }));

    [Fact]
    public void ToJson_Deployment_KeepsPresentZeroReplicasAndWritesIntOrStringAndQuantities()
    {
        var body = DeploymentBody();

        AssertJson(
            """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
             "spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},
               "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27",
                 "ports":[{"name":"http","containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}],
                 "resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"250m"}},
                 "livenessProbe":{"httpGet":{"path":"/healthz","port":"http"},"periodSeconds":10}}]}},
               "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":"25%"}},
               "revisionHistoryLimit":10},
             "status":{}}
            """,
            body);
        var d = KubernetesJson.Deserialize<V1Deployment>(Json(body));
        Assert.Equal(0, d.Spec.Replicas);
        Assert.Equal("25%", d.Spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal("500m", d.Spec.Template.Spec.Containers[0].Resources.Limits["cpu"].ToString());
    }

    [Fact]
    public void ToJson_PodCreationTimestamp_IsRfc3339Seconds()
    {
        var created = new DateTimeOffset(2024, 2, 29, 13, 14, 15, TimeSpan.Zero).ToUnixTimeSeconds();
        var body = ProtoWriter.Envelope("v1", "Pod", ProtoWriter.Message(p =>
        {
            p.Message(1, m =>
            {
                m.String(1, "p").String(2, "").String(3, "default").Varint(7, 0);
                m.Message(8, t => t.Varint(1, created).Varint(2, 999_000_000)); // nanos are dropped, as Go's RFC3339 does
                m.Message(9, _ => { }); // an empty Time is Go's zero time: left out
                m.Varint(10, 0); // deletionGracePeriodSeconds: pointer, kept
            });
            p.Message(2, spec => spec.Message(2, c => c.String(1, "c").String(2, "busybox")).Varint(4, 0).Bool(21, false).Bool(11, false));
        }));

        AssertJson(
            """
            {"apiVersion":"v1","kind":"Pod",
             "metadata":{"name":"p","namespace":"default","creationTimestamp":"2024-02-29T13:14:15Z","deletionGracePeriodSeconds":0},
             "spec":{"containers":[{"name":"c","image":"busybox"}],"terminationGracePeriodSeconds":0,"automountServiceAccountToken":false}}
            """,
            body);
        var pod = KubernetesJson.Deserialize<V1Pod>(Json(body));
        Assert.Equal(new DateTime(2024, 2, 29, 13, 14, 15, DateTimeKind.Utc), pod.Metadata.CreationTimestamp?.ToUniversalTime());
        Assert.False(pod.Spec.AutomountServiceAccountToken);
    }

    [Fact]
    public void ToJson_Eviction_WritesDeleteOptions()
    {
        var body = ProtoWriter.Envelope("policy/v1", "Eviction", ProtoWriter.Message(e =>
        {
            e.Message(1, Meta("p1", "default"));
            e.Message(2, o =>
            {
                o.Varint(1, 0);
                o.Message(2, pre => pre.String(1, "1234-abcd"));
                o.String(4, "Foreground");
                o.String(5, "All");
            });
        }));

        AssertJson(
            """{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p1","namespace":"default"},"deleteOptions":{"gracePeriodSeconds":0,"preconditions":{"uid":"1234-abcd"},"propagationPolicy":"Foreground","dryRun":["All"]}}""",
            body);
        Assert.Equal(0, KubernetesJson.Deserialize<V1Eviction>(Json(body)).DeleteOptions.GracePeriodSeconds);
    }

    [Fact]
    public void ToJson_DeleteOptionsInAnyGroup_ResolveToMetaV1()
    {
        var raw = ProtoWriter.Message(o => o.Varint(1, 30).Bool(3, false));

        AssertJson("""{"apiVersion":"apps/v1","kind":"DeleteOptions","gracePeriodSeconds":30,"orphanDependents":false}""", ProtoWriter.Envelope("apps/v1", "DeleteOptions", raw));
        AssertJson("""{"apiVersion":"meta.k8s.io/v1","kind":"DeleteOptions","gracePeriodSeconds":30,"orphanDependents":false}""", ProtoWriter.Envelope("meta.k8s.io/v1", "DeleteOptions", raw));
    }

    [Theory]
    [InlineData("rbac.authorization.k8s.io/v1", "ClusterRole")]
    [InlineData("networking.k8s.io/v1", "Ingress")]
    [InlineData("events.k8s.io/v1", "Event")]
    [InlineData("coordination.k8s.io/v1", "Lease")]
    [InlineData("discovery.k8s.io/v1", "EndpointSlice")]
    [InlineData("scheduling.k8s.io/v1", "PriorityClass")]
    [InlineData("storage.k8s.io/v1", "StorageClass")]
    [InlineData("authentication.k8s.io/v1", "TokenRequest")]
    [InlineData("authorization.k8s.io/v1", "SubjectAccessReview")]
    [InlineData("certificates.k8s.io/v1", "CertificateSigningRequest")]
    [InlineData("autoscaling/v2", "HorizontalPodAutoscaler")]
    [InlineData("autoscaling/v1", "Scale")]
    [InlineData("batch/v1", "CronJob")]
    [InlineData("flowcontrol.apiserver.k8s.io/v1", "FlowSchema")]
    public void ToJson_GroupNames_MapToProtoPackages(string apiVersion, string kind)
    {
        var json = Json(ProtoWriter.Envelope(apiVersion, kind, ProtoWriter.Message(o => o.Message(1, Meta("x")))));

        Assert.Equal($$$"""{"apiVersion":"{{{apiVersion}}}","kind":"{{{kind}}}","metadata":{"name":"x"}}""", json);
    }

    [Fact]
    public void ToJson_ZeroValuedGoValueFieldsWithOmitempty_AreLeftOut()
    {
        // What gogo protobuf writes for kubectl: every non-pointer field, empty or not.
        var body = ProtoWriter.Envelope("v1", "ConfigMap", ProtoWriter.Message(cm => cm.Message(1, m =>
            m.String(1, "foo").String(2, "").String(3, "").String(5, "").String(6, "").Varint(7, 0).Message(8, _ => { }))));

        Assert.Equal("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"foo"}}""", Json(body));
    }

    [Fact]
    public void ToJson_RequiredGoValueFieldWithoutOmitempty_KeepsZero()
    {
        var body = ProtoWriter.Envelope("v1", "Pod", ProtoWriter.Message(p => p.Message(2, s =>
            s.Message(2, c => c.String(1, "").Message(6, port => port.Varint(2, 0).Varint(3, 0))))));

        Assert.Equal("""{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"","ports":[{"containerPort":0}]}]}}""", Json(body));
    }

    [Fact]
    public void ToJson_InlineStruct_MergesIntoParent()
    {
        var body = ProtoWriter.Envelope("v1", "Pod", ProtoWriter.Message(p => p.Message(2, s => s.Message(2, c =>
        {
            c.String(1, "c");
            c.Message(7, env => env.String(1, "A").Message(3, from => from.Message(3, sel =>
            {
                sel.Message(1, r => r.String(1, "cfg")); // LocalObjectReference, inline
                sel.String(2, "key");
                sel.Bool(3, true);
            })));
        }))));

        Assert.Equal(
            """{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","env":[{"name":"A","valueFrom":{"configMapKeyRef":{"name":"cfg","key":"key","optional":true}}}]}]}}""",
            Json(body));
    }

    [Fact]
    public void ToJson_RepeatedScalars_AcceptPackedUnpackedAndNegative()
    {
        var body = ProtoWriter.Envelope("v1", "Pod", ProtoWriter.Message(p => p.Message(2, s => s.Message(14, sc =>
        {
            sc.Varint(4, 1000); // supplementalGroups, unpacked
            sc.Bytes(4, ProtoWriter.Message(w => w.RawVarint(2000).RawVarint(3000))); // packed
            sc.Varint(2, -1); // runAsUser: a negative int64 takes ten bytes
        }).Message(2, c => c.String(1, "c").Message(6, port => port.Varint(3, -5))))));

        Assert.Equal(
            """{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","ports":[{"containerPort":-5}]}],"securityContext":{"runAsUser":-1,"supplementalGroups":[1000,2000,3000]}}}""",
            Json(body));
    }

    [Fact]
    public void ToJson_SplitRepeatedFieldAndUnknownFields_AreHandled()
    {
        var body = ProtoWriter.Envelope("v1", "Pod", ProtoWriter.Message(p =>
        {
            p.Message(1, m => m.String(14, "a").Varint(999, 7).String(1, "p").String(14, "b").Fixed64(500, 1).Fixed32(501, 2));
            p.Message(77, x => x.String(1, "ignored"));
        }));

        Assert.Equal("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","finalizers":["a","b"]}}""", Json(body));
    }

    [Fact]
    public void ToJson_MessageSentInPieces_IsMerged()
    {
        var body = ProtoWriter.Envelope("v1", "ConfigMap", ProtoWriter.Message(cm =>
        {
            cm.Message(1, m => m.String(1, "first"));
            cm.MapEntry(2, "k", "v");
            cm.Message(1, m => m.String(1, "second").String(3, "ns"));
        }));

        Assert.Equal("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"second","namespace":"ns"},"data":{"k":"v"}}""", Json(body));
    }

    [Fact]
    public void ToJson_MessageSentInPieces_LongLastPieceIsMerged()
    {
        var value = new string('v', 5000);
        var body = ProtoWriter.Envelope("v1", "ConfigMap", ProtoWriter.Message(cm =>
        {
            cm.Message(1, m => m.String(1, "n"));
            cm.Message(1, m => m.MapEntry(12, "note", value));
        }));

        var expected = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"n\",\"annotations\":{\"note\":\"" + value + "\"}}}";
        Assert.Equal(expected, Json(body));
    }

    [Fact]
    public void ToJson_MicroTimeAndEventFields()
    {
        var seconds = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds();
        var body = ProtoWriter.Envelope("v1", "Event", ProtoWriter.Message(e =>
        {
            e.Message(1, Meta("ev", "default"));
            e.Message(2, o => o.String(1, "Pod").String(3, "p"));
            e.Varint(8, 3);
            e.Message(10, t => t.Varint(1, seconds).Varint(2, 123_456_789));
        }));

        Assert.Equal(
            """{"apiVersion":"v1","kind":"Event","metadata":{"name":"ev","namespace":"default"},"involvedObject":{"kind":"Pod","name":"p"},"count":3,"eventTime":"2025-01-02T03:04:05.123456Z"}""",
            Json(body));
    }

    [Fact]
    public void ToJson_ExtraValueMap_IsMapOfArrays()
    {
        var body = ProtoWriter.Envelope("authentication.k8s.io/v1", "TokenReview", ProtoWriter.Message(r => r.Message(3, st =>
        {
            st.Bool(1, true);
            st.Message(2, u => u.String(1, "alice").String(3, "devs").Message(4, e => e.String(1, "scopes").Message(2, v => v.String(1, "a").String(1, "b"))));
        })));

        Assert.Equal(
            """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true,"user":{"username":"alice","groups":["devs"],"extra":{"scopes":["a","b"]}}}}""",
            Json(body));
    }

    [Fact]
    public void ToJson_RawExtension_EmbedsJsonAndNestedProtobuf()
    {
        var nested = ProtoWriter.Envelope("v1", "ConfigMap", ProtoWriter.Message(cm => cm.Message(1, Meta("inner"))));
        Assert.Equal(
            """{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"r"},"data":{"spec":{"x":[1,2]}},"revision":1}""",
            Json(ProtoWriter.Envelope("apps/v1", "ControllerRevision", ProtoWriter.Message(r =>
                r.Message(1, Meta("r")).Message(2, x => x.String(1, """{"spec":{"x":[1,2]}}""")).Varint(3, 1)))));
        Assert.Equal(
            """{"apiVersion":"apps/v1","kind":"ControllerRevision","data":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"inner"}},"revision":2}""",
            Json(ProtoWriter.Envelope("apps/v1", "ControllerRevision", ProtoWriter.Message(r =>
                r.Message(2, x => x.Bytes(1, nested)).Varint(3, 2)))));
    }

    [Fact]
    public void ToJson_ManagedFields_EmbedFieldsV1()
    {
        var body = ProtoWriter.Envelope("v1", "ConfigMap", ProtoWriter.Message(cm => cm.Message(1, m =>
        {
            m.String(1, "c");
            m.Message(17, e => e.String(1, "kubectl").String(2, "Apply").String(3, "v1").String(6, "FieldsV1")
                .Message(7, f => f.String(1, """{"f:data":{"f:a":{}}}""")));
        })));

        Assert.Equal(
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","managedFields":[{"manager":"kubectl","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}}]}}""",
            Json(body));
    }

    [Fact]
    public void ToJson_ServicePortTargetPort_IntOrStringInt()
    {
        var body = ProtoWriter.Envelope("v1", "Service", ProtoWriter.Message(s => s.Message(2, spec =>
            spec.Message(1, p => p.String(2, "TCP").Varint(3, 80).Message(4, t => t.Varint(1, 0).Varint(2, 8080))))));

        Assert.Equal("""{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"protocol":"TCP","port":80,"targetPort":8080}]}}""", Json(body));
    }

    [Fact]
    public void ToJson_BadMagic_Throws()
    {
        var ex = Assert.Throws<ProtobufFormatException>(() => ProtobufTranscoder.ToJson("{\"kind\":\"x\"}"u8));
        Assert.Contains("prefix", ex.Message);
        Assert.Throws<ProtobufFormatException>(() => ProtobufTranscoder.ToJson("k8s"u8));
    }

    [Fact]
    public void ToJson_TruncatedVarint_Throws()
    {
        var body = ProtoWriter.Envelope("v1", "ConfigMap", [0x0A, 0x02, 0x08, 0x96]); // metadata { name(wt 0) = 0x96 ...

        var ex = Assert.Throws<ProtobufFormatException>(() => ProtobufTranscoder.ToJson(body));
        Assert.Contains("truncated varint", ex.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x10, 0x0A }, "runs past the end")] // length beyond the data
    [InlineData(new byte[] { 0x0A, 0x02, 0x08, 0x01 }, "wrong wire type")] // metadata.name as a varint
    [InlineData(new byte[] { 0x00 }, "illegal field number")]
    [InlineData(new byte[] { 0x0F }, "illegal wire type")]
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F }, "overflows")]
    [InlineData(new byte[] { 0x0C }, "end-group")]
    public void ToJson_MalformedObject_Throws(byte[] raw, string message)
    {
        var ex = Assert.Throws<ProtobufFormatException>(() => ProtobufTranscoder.ToJson(ProtoWriter.Envelope("v1", "ConfigMap", raw)));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void ToJson_TruncatedEnvelope_Throws()
    {
        var body = ProtoWriter.Envelope("v1", "ConfigMap", ProtoWriter.Message(cm => cm.Message(1, Meta("x"))));

        Assert.Throws<ProtobufFormatException>(() => ProtobufTranscoder.ToJson(body.AsSpan(0, body.Length - 3)));
    }

    [Theory]
    [InlineData("v1", "Frobnicator")]
    [InlineData("example.com/v1", "Widget")]
    [InlineData("", "ConfigMap")]
    [InlineData("v1", "")]
    [InlineData("v1", "Time")]
    public void ToJson_UnknownKind_Throws(string apiVersion, string kind)
    {
        Assert.Throws<ProtobufFormatException>(() => ProtobufTranscoder.ToJson(ProtoWriter.Envelope(apiVersion, kind, [])));
    }

    [Fact]
    public void ToJson_ContentEncoding_IsRejected()
    {
        var unknown = ProtoWriter.Message(u => u.Message(1, t => t.String(1, "v1").String(2, "ConfigMap")).Bytes(2, []).String(3, "gzip"));

        Assert.Throws<ProtobufFormatException>(() => ProtobufTranscoder.ToJson([.. "k8s\0"u8, .. unknown]));
    }

    [Fact]
    public void ToJson_DeeplyNestedRawExtensions_AreBounded()
    {
        var body = ProtoWriter.Envelope("apps/v1", "ControllerRevision", []);
        for (var i = 0; i < 200; i++)
        {
            var inner = body;
            body = ProtoWriter.Envelope("apps/v1", "ControllerRevision", ProtoWriter.Message(r => r.Message(2, x => x.Bytes(1, inner))));
        }

        Assert.Contains("nested", Assert.Throws<ProtobufFormatException>(() => ProtobufTranscoder.ToJson(body)).Message);
    }

    [Theory]
    [InlineData("application/vnd.kubernetes.protobuf", true)]
    [InlineData("Application/VND.Kubernetes.Protobuf; charset=utf-8", true)]
    [InlineData(" application/vnd.kubernetes.protobuf ;stream=watch", true)]
    [InlineData("application/json", false)]
    [InlineData("application/vnd.kubernetes.protobuf+json", false)]
    [InlineData(null, false)]
    [InlineData("", false)]
    public void IsProtobuf_MatchesTheMediaType(string? contentType, bool expected)
    {
        Assert.Equal(expected, ProtobufTranscoder.IsProtobuf(contentType));
    }

    [Fact]
    public void ToJson_TypicalDeployment_IsFast()
    {
        // A generous bound that only catches pathological slowness; the printed figures are the measurement.
        foreach (var (name, body) in new[]
        {
            ("kubectl create deployment", File.ReadAllBytes(KubectlGoldenTests.TestData("create-deployment.pb"))),
            ("deployment with ports, resources, probe, strategy", DeploymentBody()),
        })
        {
            ProtobufTranscoder.ToJson(body); // loads the schema
            const int Iterations = 20_000;
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < Iterations; i++)
            {
                ProtobufTranscoder.ToJson(body);
            }

            sw.Stop();
            var perCall = sw.Elapsed.TotalMicroseconds / Iterations;
            output.WriteLine($"{name} ({body.Length} bytes): {perCall:F2} µs per ToJson");
            Assert.True(perCall < 1000, $"{perCall} µs per call");
        }
    }
}
