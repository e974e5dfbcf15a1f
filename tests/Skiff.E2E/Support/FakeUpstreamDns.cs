using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Skiff.E2E.Support;

/// <summary>
/// A tiny DNS responder (UDP) the test controls, listening on an address inside a network namespace the test created,
/// so the cluster DNS forwards to it and never to the machine's real resolver. It answers A questions for the names
/// it was given, NODATA for other types of those names, and NXDOMAIN for everything else; it counts the questions.
/// The socket is created on a dedicated thread that briefly joins the namespace (a socket stays in the namespace it
/// was created in), so no process runs inside the namespace.
/// </summary>
public sealed class FakeUpstreamDns : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly Socket _socket;
    private readonly IReadOnlyDictionary<string, IPAddress> _records;
    private readonly CancellationTokenSource _stop = new();
    private int _queries;

    private FakeUpstreamDns(Socket socket, IReadOnlyDictionary<string, IPAddress> records)
    {
        _socket = socket;
        _records = records;
        _ = Task.Run(LoopAsync);
    }

    /// <summary>Questions received so far, as "name type".</summary>
    public List<string> Questions { get; } = [];

    public int QueryCount => Volatile.Read(ref _queries);

    /// <summary>Starts answering on <paramref name="address"/>:53 inside the named network namespace.</summary>
    public static FakeUpstreamDns Start(string netns, IPAddress address, IReadOnlyDictionary<string, IPAddress> records)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            var own = open("/proc/thread-self/ns/net", 0);
            var target = open("/run/netns/" + netns, 0);
            try
            {
                if (own < 0 || target < 0 || setns(target, CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"cannot enter network namespace {netns}: errno {Marshal.GetLastPInvokeError()}");
                }

                var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                s.Bind(new IPEndPoint(address, 53));
                socket = s;
                if (setns(own, CloneNewNet) != 0)
                {
                    throw new InvalidOperationException("cannot return to the test's network namespace");
                }
            }
            catch (Exception ex)
            {
                error = ex;
            }
            finally
            {
                close(own);
                close(target);
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null || socket is null)
        {
            socket?.Dispose();
            throw new InvalidOperationException("fake upstream DNS did not start", error);
        }

        return new FakeUpstreamDns(socket, records.ToDictionary(r => r.Key.TrimEnd('.').ToLowerInvariant(), r => r.Value));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
    }

    private async Task LoopAsync()
    {
        var buffer = new byte[1500];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            var response = Answer(buffer.AsSpan(0, received.ReceivedBytes));
            if (response is not null)
            {
                try
                {
                    await _socket.SendToAsync(response, SocketFlags.None, received.RemoteEndPoint);
                }
                catch (SocketException)
                {
                }
            }
        }
    }

    // RFC 1035 by hand: header, the question copied back, and one A record pointing at the question's name.
    private byte[]? Answer(ReadOnlySpan<byte> query)
    {
        if (query.Length < 17)
        {
            return null;
        }

        var pos = 12;
        var name = new StringBuilder();
        while (pos < query.Length && query[pos] != 0)
        {
            var len = query[pos];
            if (pos + 1 + len > query.Length)
            {
                return null;
            }

            name.Append(name.Length > 0 ? "." : "").Append(Encoding.ASCII.GetString(query.Slice(pos + 1, len)));
            pos += 1 + len;
        }

        var questionEnd = pos + 5;
        if (questionEnd > query.Length)
        {
            return null;
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(query[(pos + 1)..]);
        var key = name.ToString().ToLowerInvariant();
        Interlocked.Increment(ref _queries);
        lock (Questions)
        {
            Questions.Add($"{key} {type}");
        }

        var known = _records.TryGetValue(key, out var address);
        var withAnswer = known && type == 1;
        var response = new byte[questionEnd + (withAnswer ? 16 : 0)];
        query[..questionEnd].CopyTo(response);
        // QR, RD copied, RA; NXDOMAIN (3) for unknown names.
        response[2] = (byte)(0x80 | (query[2] & 0x01));
        response[3] = (byte)(0x80 | (known ? 0 : 3));
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(6), (ushort)(withAnswer ? 1 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(10), 0);
        if (withAnswer)
        {
            var a = response.AsSpan(questionEnd);
            a[0] = 0xC0;
            a[1] = 12;
            BinaryPrimitives.WriteUInt16BigEndian(a[2..], 1);
            BinaryPrimitives.WriteUInt16BigEndian(a[4..], 1);
            BinaryPrimitives.WriteUInt32BigEndian(a[6..], 30);
            BinaryPrimitives.WriteUInt16BigEndian(a[10..], 4);
            address!.GetAddressBytes().CopyTo(a[12..]);
        }

        return response;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPStr)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
