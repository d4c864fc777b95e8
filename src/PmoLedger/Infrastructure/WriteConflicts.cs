using JasperFx;
using Marten.Exceptions;
using Npgsql;

namespace PmoLedger.Infrastructure;

/// <summary>
/// A transaction that lost a race: a stale stream version or a unique key already taken. The
/// database rolled it back whole, so it is safe to read again and retry. One rule for the retry
/// loop and for the 409 every other route answers.
/// </summary>
public static class WriteConflicts
{
    // Each round of a race has one winner, so this covers dozens of simultaneous writes to one
    // record; beyond that the caller gets a 409 it can retry.
    public const int Attempts = 30;

    public static bool Is(Exception e) => e switch
    {
        ConcurrencyException or DocumentAlreadyExistsException or JasperFx.Events.ExistingStreamIdCollisionException
            or JasperFx.Events.StreamLockedException or Marten.Exceptions.StreamLockedException => true,
        // Marten's own collision type: what it reports for any unique key taken in a batch that starts a stream (an
        // xAPI request's stream and a statement id another request stored first).
        Marten.Exceptions.ExistingStreamIdCollisionException => true,
        MartenCommandException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } } => true,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => true,
        // Raised by Marten's quick-append function for a stale stream version, before Marten
        // turns it into a ConcurrencyException; its command log sees this one.
        PostgresException { SqlState: "MT003" } => true,
        _ => false
    };

    /// <summary>
    /// Runs <paramref name="attempt"/> (read, decide, commit) until it commits without a conflict.
    /// A lost race is normal: one Debug line per retry, one Warning if every attempt lost.
    /// </summary>
    public static async Task<T> Retry<T>(Func<Task<T>> attempt, Func<T> exhausted, ILogger logger, CancellationToken ct,
        Func<int, CancellationToken, Task>? pause = null)
    {
        pause ??= Backoff;
        for (var n = 1; ; n++)
        {
            try
            {
                return await attempt();
            }
            catch (Exception e) when (Is(e))
            {
                if (n == Attempts)
                {
                    logger.LogWarning("A write lost {Attempts} races in a row ({Conflict}); answered 409", Attempts, e.GetType().Name);
                    return exhausted();
                }
                logger.LogDebug("Write conflict ({Conflict}) on attempt {Attempt}; retrying", e.GetType().Name, n);
                await pause(n, ct);
            }
        }
    }

    /// <summary>A short random pause that grows with the attempt, so racing retries spread out.</summary>
    private static Task Backoff(int attempt, CancellationToken ct) => Task.Delay(Random.Shared.Next(1, 10 * Math.Min(attempt, 10)), ct);

    /// <summary>A session for a retried write, recording who wrote.</summary>
    public static IDocumentSession OpenSession(IDocumentStore store, string? userName)
    {
        var session = store.LightweightSession();
        session.LastModifiedBy = userName;
        return session;
    }
}

/// <summary>
/// Marten's command log. Marten logs every failed command as an error with its SQL; a write
/// conflict is not a failure but a lost race, reported by whoever handles it (the retry loop at
/// Debug, the 409 answer), so it is left out here. Everything else is logged as Marten would.
/// </summary>
public sealed class LedgerMartenLogger(ILogger<IDocumentStore> logger) : IMartenLogger, IMartenSessionLogger
{
    public IMartenSessionLogger StartSession(IQuerySession session) => this;

    public void SchemaChange(string sql) => logger.LogInformation("Executed schema update SQL:\n{Sql}", sql);

    public void LogSuccess(NpgsqlCommand command) => logger.LogDebug("Marten executed {Sql}", command.CommandText);

    public void LogSuccess(NpgsqlBatch batch) => logger.LogDebug("Marten executed a batch of {Count} commands", batch.BatchCommands.Count);

    public void LogFailure(NpgsqlCommand command, Exception ex) => Failure(ex, command.CommandText);

    public void LogFailure(NpgsqlBatch batch, Exception ex) =>
        Failure(ex, string.Join(Environment.NewLine, batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.CommandText)));

    public void LogFailure(Exception ex, string message) => Failure(ex, message);

    public void RecordSavedChanges(IDocumentSession session, Marten.Services.IChangeSet commit) { }

    public void OnBeforeExecute(NpgsqlCommand command) { }

    public void OnBeforeExecute(NpgsqlBatch batch) { }

    private void Failure(Exception ex, string sql)
    {
        if (!WriteConflicts.Is(ex)) logger.LogError(ex, "Marten encountered an exception executing {Sql}", sql);
    }
}

/// <summary>A message to deliver after a delay: a side effect a decision returns as a value.</summary>
public sealed record Scheduled(object Message, TimeSpan Delay)
{
    /// <summary>Due at the start of <paramref name="day"/> on the ledger's clock (at once if that has passed).</summary>
    public static Scheduled At(object message, DateOnly day, DateTimeOffset now)
    {
        var delay = Clock.StartOf(day) - now;
        return new Scheduled(message, delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
    }
}

public static class ScheduledMessages
{
    /// <summary>As Wolverine cascading messages, for a handler or endpoint to return.</summary>
    public static OutgoingMessages ToOutgoing(this IEnumerable<Scheduled> scheduled)
    {
        var outgoing = new OutgoingMessages();
        foreach (var s in scheduled) outgoing.Add(s.Message.DelayedFor(s.Delay));
        return outgoing;
    }

    /// <summary>Schedules through a bus, for code that commits its own session (enrolled in the outbox).</summary>
    public static async Task ScheduleAll(this IMessageBus bus, IEnumerable<Scheduled> scheduled)
    {
        foreach (var s in scheduled) await bus.ScheduleAsync(s.Message, s.Delay);
    }
}
