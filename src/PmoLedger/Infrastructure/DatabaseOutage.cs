using System.Net.Sockets;
using Marten;
using JasperFx.Events.Daemon;
using Marten.Exceptions;
using Npgsql;
using Polly;
using Polly.Retry;

namespace PmoLedger.Infrastructure;

/// <summary>
/// PostgreSQL cannot be reached: stopped, restarting, refusing connections or out of them. Such a
/// failure says nothing about the request, so callers get 503 with Retry-After rather than a 500,
/// after a short in-process retry has not got past it (docs/operations.md, "Database outages").
/// </summary>
public static class DatabaseOutage
{
    /// <summary>What Retry-After says unless <c>Api:RetryAfterSeconds</c> is set.</summary>
    public const int DefaultRetryAfterSeconds = 5;

    public static bool Is(Exception exception) => Chain(exception).Any(e => e switch
    {
        PostgresException pg => Unavailable(pg.SqlState),
        // Every other Npgsql failure is the wire: refused, reset, timed out, or no pooled connection free.
        NpgsqlException => true,
        SocketException => true,
        _ => false
    });

    /// <summary>
    /// Nothing reached the server, so replaying is safe even for a commit: the connection was refused,
    /// or the server said it is starting or shutting down before it accepted the connection.
    /// </summary>
    public static bool NeverSent(Exception exception) => Chain(exception).Any(e => e switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => true,
        PostgresException { SqlState: PostgresErrorCodes.CannotConnectNow } => true,
        _ => false
    });

    // Connection exceptions (08), insufficient resources (53: too many connections) and the
    // server going away or coming up (57P01–57P03).
    private static bool Unavailable(string state) =>
        state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal)
        || state is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow;

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var e))
        {
            yield return e;
            if (e is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions) pending.Push(inner);
            else if (e.InnerException is { } inner) pending.Push(inner);
        }
    }

    /// <summary>
    /// Marten's retries, widened for a restart: reads (idempotent) ride out about two and a half seconds
    /// of a database that does not answer; commits are replayed only when nothing reached the server
    /// (Marten's own commit policy, which never replays a commit whose outcome is unknown, stays in place).
    /// </summary>
    public static void ConfigureRetries(StoreOptions opts)
    {
        opts.ConfigurePolly(builder => builder.AddRetry(Budget(new PredicateBuilder()
            .Handle<NpgsqlException>().Handle<MartenCommandException>().Handle<EventLoaderException>())));
        opts.ExtendWritePolly(builder => builder.AddRetry(Budget(new PredicateBuilder().Handle<Exception>(NeverSent))));
    }

    private static RetryStrategyOptions Budget(PredicateBuilder<object> handle) => new()
    {
        ShouldHandle = handle,
        MaxRetryAttempts = 5,
        Delay = TimeSpan.FromMilliseconds(100),
        MaxDelay = TimeSpan.FromSeconds(1),
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true
    };
}
