using System.Net;
using System.Net.Sockets;

namespace PmoLedger.Tests.Hosting;

/// <summary>
/// A TCP gate in front of the real PostgreSQL. Open, it forwards every byte; closed, it refuses new
/// connections and cuts the ones in use — a database outage exactly as the service sees one, while the
/// database itself (shared with other engineers' runs) keeps running.
/// </summary>
public sealed class DatabaseGate : IAsyncDisposable
{
    private readonly string _host;
    private readonly int _port;
    private readonly List<TcpClient> _connections = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;

    public DatabaseGate(string host, int port)
    {
        (_host, _port) = (host, port);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Open();
    }

    public int Port { get; }

    public void Open()
    {
        _stop = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = Accept(_listener, _stop.Token);
    }

    public void Close()
    {
        _stop?.Cancel();
        _listener?.Stop();
        lock (_connections)
        {
            foreach (var c in _connections) c.Dispose();
            _connections.Clear();
        }
    }

    private async Task Accept(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(ct); }
            catch (Exception) { return; }
            _ = Forward(client, ct);
        }
    }

    private async Task Forward(TcpClient client, CancellationToken ct)
    {
        var upstream = new TcpClient();
        lock (_connections) _connections.AddRange([client, upstream]);
        try
        {
            await upstream.ConnectAsync(_host, _port, ct);
            var a = client.GetStream();
            var b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, ct), b.CopyToAsync(a, ct));
        }
        catch (Exception)
        {
            // A cut connection is the point of the gate.
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }
}
