using System.Collections.Concurrent;
using System.Diagnostics;
using Alba;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Wolverine;

namespace PmoLedger.Tests.Hosting;

/// <summary>
/// Two nodes of the service on one database, in this process (as Wolverine's own distribution tests run
/// several IHosts): the audit hash chain runs on exactly one node and moves when it stops; a scheduled
/// certification expiry fires once.
/// </summary>
public sealed class SeveralNodesTests : IAsyncLifetime
{
    private const string Subscriptions = "event-subscriptions";
    private readonly List<IAlbaHost> _nodes = [];
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestDatabases.Fresh("_nodes");

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }

    private async Task<IAlbaHost> Node(TimeProvider? clock = null)
    {
        var node = await LedgerNodes.Start(_database, solo: false, clock);
        _nodes.Add(node);
        return node;
    }

    // Each subscription is its own agent (the hash chain, the credential relay), and the two may well be balanced onto
    // different nodes: only the chain's agent counts here.
    private static bool RunsTheChain(IHost node) => node.RunningAgents()
        .Any(a => a.Scheme == Subscriptions && a.ToString().Contains("eventchain", StringComparison.OrdinalIgnoreCase));

    private static async Task Until(Func<bool> condition, string because, int seconds = 60)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(seconds), because);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task the_hash_chain_runs_on_exactly_one_of_two_nodes_and_moves_when_that_node_stops()
    {
        var a = await Node();
        var b = await Node();

        // Sampled throughout: at no moment may both nodes run the chain.
        var both = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                if (_nodes.Count(n => n == a || n == b) == 2 && RunsTheChain(a) && RunsTheChain(b)) Interlocked.Increment(ref both);
                await Task.Delay(20);
            }
        });

        // A sign-in cookie sealed by one node opens on the other: the data-protection keys live in the database.
        var sealedByA = a.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("session").Protect("ticket");
        b.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("session").Unprotect(sealedByA).ShouldBe("ticket");

        await Until(() => RunsTheChain(a) ^ RunsTheChain(b), "the chain was never given to exactly one node");
        var (owner, other) = RunsTheChain(a) ? (a, b) : (b, a);

        var token = other.AdminToken();
        await other.Register(token);
        await other.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

        await owner.StopAsync();
        _nodes.Remove(owner);
        await owner.DisposeAsync();

        await Until(() => RunsTheChain(other), "the chain did not move to the remaining node");
        await other.Register(token);
        await other.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

        await sampling.CancelAsync();
        await sampler;
        both.ShouldBe(0, "both nodes ran the chain at once");
    }

    [Fact]
    public async Task a_scheduled_certification_expiry_fires_once_with_two_nodes()
    {
        var renewBy = new DateOnly(2027, 1, 15);
        var clock = new TestClock();
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();

        // Wolverine traces every handler execution, on whichever node: count this message's.
        var executions = new ConcurrentBag<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Wolverine",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Kind == ActivityKind.Internal && activity.OperationName.EndsWith(nameof(PmoLedger.Features.Certifications.SettleCertifications), StringComparison.Ordinal))
                    executions.Add(activity.OperationName);
            }
        };
        ActivitySource.AddActivityListener(listener);

        var a = await Node(clock);
        var b = await Node(clock);
        var token = a.AdminToken();
        var id = await a.Register(token);
        // Six seconds before renewBy begins, on the ledger's clock (shared by both nodes): room for a slow award
        // request on a busy machine, which must schedule the expiry rather than record it at once.
        clock.Offset = PmoLedger.Infrastructure.Clock.StartOf(renewBy) - TimeSpan.FromSeconds(6) - TimeProvider.System.GetUtcNow();
        await b.Award(token, id, renewBy);

        // Fired (the expiry is recorded) and done (no such message left to run on either node).
        var watch = Stopwatch.StartNew();
        while (await Expiries(connection, id) == 0 || await Pending(connection) > 0)
        {
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "the expiry did not fire");
            await Task.Delay(200);
        }

        (await Expiries(connection, id)).ShouldBe(1);
        // The handler's span ends just after its transaction: wait for it to be seen.
        await Until(() => !executions.IsEmpty, "the expiry was recorded without the scheduled message running", seconds: 10);
        // Once: not twice (two nodes), and not never (an award recorded too late on the clock expires at once).
        executions.Count.ShouldBe(1, "the expiry message should run exactly once");

    }

    [Fact]
    public async Task a_renewal_reminder_made_due_is_sent_once_and_recorded_once_with_two_nodes()
    {
        var clock = new TestClock();
        // This test's own pickup folder: every mail in it comes from these two nodes. The variable is put back for the
        // hosts that other tests start in this process.
        var mail = Path.Combine(Path.GetTempPath(), $"pmoledger-nodes-mail-{Guid.NewGuid():N}");
        var before = Environment.GetEnvironmentVariable("Mail__PickupDirectory");
        Environment.SetEnvironmentVariable("Mail__PickupDirectory", mail);
        IAlbaHost a, b;
        try
        {
            a = await Node(clock);
            b = await Node(clock);
        }
        finally
        {
            Environment.SetEnvironmentVariable("Mail__PickupDirectory", before);
        }
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();

        var token = a.AdminToken();
        var id = await a.Register(token);
        // Recorded 60 days before renewBy, inside the 90-day window: that reminder is scheduled for a minute on.
        await b.Award(token, id, clock.Today.AddDays(60));
        (await Scalar(connection, "select count(*) " + DueReminder)).ShouldBe(1);
        await Scalar(connection, $"update {LedgerStore.Schema}.wolverine_incoming_envelopes set execution_time = now() - interval '1 second' " +
                                 "where id in (select id " + DueReminder + ")");

        // Sent (recorded) and done (nothing of it left to run on either node): whichever node's agent took it.
        var watch = Stopwatch.StartNew();
        while (await Reminders(connection, id) == 0 || await Scalar(connection, "select count(*) " + DueReminder) > 0)
        {
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "the reminder was not sent");
            await Task.Delay(200);
        }

        (await Reminders(connection, id)).ShouldBe(1);
        Directory.GetFiles(mail, "*.eml").Select(f => MimeKit.MimeMessage.Load(f).Subject)
            .Count(s => s?.StartsWith("Your P3O Foundation (P3O-F) must be renewed by", StringComparison.Ordinal) == true).ShouldBe(1);
    }

    private static string DueReminder =>
        $"from {LedgerStore.Schema}.wolverine_incoming_envelopes where message_type like '%SendRenewalNotice' and status <> 'Handled' " +
        "and execution_time < now() + interval '10 minutes'";

    private static async Task<long> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L);
    }

    private static async Task<long> Reminders(NpgsqlConnection connection, Guid id)
    {
        await using var command = new NpgsqlCommand($"select count(*) from {LedgerStore.Schema}.mt_events where stream_id = $1 " +
                                                    "and type = 'notification_sent' and data ->> 'kind' = 'renewal-reminder-90'", connection)
            { Parameters = { new() { Value = id } } };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> Expiries(NpgsqlConnection connection, Guid id)
    {
        await using var command = new NpgsqlCommand($"select count(*) from {LedgerStore.Schema}.mt_events where stream_id = $1 and type = 'certification_expired'", connection)
            { Parameters = { new() { Value = id } } };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> Pending(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            $"select count(*) from {LedgerStore.Schema}.wolverine_incoming_envelopes where message_type like '%SettleCertifications%' and status <> 'Handled'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
