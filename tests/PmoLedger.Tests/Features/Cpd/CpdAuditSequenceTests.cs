using Marten;
using Marten.Services;
using Npgsql;
using PmoLedger.Features.Audit;

namespace PmoLedger.Tests.Features.Cpd;

/// <summary>
/// The sequence a campaign's population is read at waits for every event still being written: a sequence taken by an
/// open transaction is either committed below the answer or never committed at all.
/// </summary>
public partial class CpdAuditScenarioTests
{
    /// <summary>An event only this test appends; nothing in the service projects it or settles on it.</summary>
    public sealed record SequenceProbe(string Note);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task the_current_sequence_waits_for_an_uncommitted_event_and_then_counts_it_only_if_committed(bool commit)
    {
        await RegisterPractitioner();

        // A writer that has inserted an event (so holds its sequence) but not yet committed.
        await using var reader = Store.QuerySession();
        await using var writerConnection = reader.Database.CreateConnection();
        await writerConnection.OpenAsync();
        await using var writerTransaction = await writerConnection.BeginTransactionAsync();
        var stream = Guid.NewGuid();
        await using (var writer = Store.LightweightSession(SessionOptions.ForTransaction(writerTransaction)))
        {
            writer.Events.StartStream<SequenceProbe>(stream, new SequenceProbe("held open"));
            await writer.SaveChangesAsync();
        }
        await using var own = new NpgsqlCommand($"select seq_id from {LedgerStore.Schema}.mt_events where stream_id = $1", writerConnection,
            writerTransaction) { Parameters = { new() { Value = stream } } };
        var held = (long)(await own.ExecuteScalarAsync())!;

        var current = CampaignPopulation.CurrentSequenceAsync(reader, default);

        // The SHARE lock is queued behind the writer's ROW EXCLUSIVE one: PostgreSQL says so, no clock involved.
        using var stop = new CancellationTokenSource();
        var waiting = LockWaits.Until(async () => await WaitingForShareLock() > 0, stop.Token);
        var first = await Task.WhenAny(current, waiting);
        await stop.CancelAsync();
        (first == current).ShouldBeFalse("the current sequence was answered while an event's transaction was still open");
        await waiting;
        current.IsCompleted.ShouldBeFalse();

        if (commit) await writerTransaction.CommitAsync();
        else await writerTransaction.RollbackAsync();
        var sequence = await current;

        if (commit) sequence.ShouldBeGreaterThanOrEqualTo(held);
        else sequence.ShouldBeLessThan(held);
    }

    /// <summary>Sessions of this database waiting for a lock while asking for mt_events in SHARE mode.</summary>
    private async Task<long> WaitingForShareLock()
    {
        await using var session = Store.QuerySession();
        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync();
        await using var waiting = new NpgsqlCommand(
            """
            select count(*) from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and query ilike 'lock table %mt_events in share mode'
            """, connection);
        return (long)(await waiting.ExecuteScalarAsync())!;
    }
}

internal static class LockWaits
{
    /// <summary>Polls the database until the condition holds; gives up (failing the test) after 30 seconds or when stopped.</summary>
    public static async Task Until(Func<Task<bool>> condition, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!await condition())
            await Task.Delay(20, timeout.Token);
    }
}
