using System.Text.Json;
using Skiff.Api.Protobuf;

namespace Skiff.Api.Tests.Protobuf;

public sealed class ProtobufRobustnessTests
{
    /// <summary>
    /// A request body is untrusted input: whatever the bytes, the transcoder either produces valid JSON
    /// or throws ProtobufFormatException (a 400), never another exception (a 500). Mutations of real
    /// kubectl bodies reach deep into the decoder; the seed is fixed so a failure reproduces.
    /// </summary>
    [Theory]
    [MemberData(nameof(KubectlGoldenTests.Cases), MemberType = typeof(KubectlGoldenTests))]
    public void ToJson_MutatedKubectlBody_ProducesJsonOrFormatException(string name)
    {
        var original = File.ReadAllBytes(KubectlGoldenTests.TestData(name + ".pb"));
        var random = new Random(name.Length * 7919);
        for (var i = 0; i < 3000; i++)
        {
            var body = Mutate(original, random);
            byte[] json;
            try
            {
                json = ProtobufTranscoder.ToJson(body);
            }
            catch (ProtobufFormatException)
            {
                continue;
            }

            using var _ = JsonDocument.Parse(json);
        }
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var body = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0: // flip bits in a few bytes after the magic
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    body[random.Next(4, body.Length)] ^= (byte)(1 << random.Next(8));
                }

                return body;
            case 1: // replace a byte with an interesting value
                body[random.Next(4, body.Length)] = (byte)(random.Next(3) switch { 0 => 0x00, 1 => 0xFF, _ => 0x80 });
                return body;
            case 2: // truncate
                return body[..random.Next(4, body.Length)];
            default: // duplicate a slice in place
                var start = random.Next(4, body.Length);
                var length = random.Next(1, Math.Min(16, body.Length - start) + 1);
                return [.. body[..(start + length)], .. body[start..]];
        }
    }
}
