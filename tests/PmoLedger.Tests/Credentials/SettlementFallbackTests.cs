using Marten;
using Npgsql;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Tests.Credentials;

/// <summary>
/// A commit touching several practitioners first reads, in one query, who is still owed something. Should that read fail,
/// the facts are committed all the same, so the listener settles every practitioner it touched rather than none.
/// </summary>
public class SettlementFallbackTests(AppFixture fixture) : CredentialContext(fixture)
{
    [Fact]
    public async Task a_failed_read_of_who_is_owed_still_settles_every_practitioner_the_commit_touched_once()
    {
        var first = await RegisterPractitioner("Ada Lovelace");
        // The listener records its settlement under the causing commit's correlation id; the relay's would not be.
        var commit = Guid.NewGuid().ToString();
        var second = await RegisterPractitioner("Grace Hopper");

        // PostgreSQL itself fails the listener's batched read (the one query loading several practitioners by id = ANY)
        // however often Marten retries it, until the commit has returned; the settlements' own reads (one practitioner
        // each, by id = $1) go through. The sequence only counts the failures.
        await Sql($"""
            create sequence {Faults}_failures;
            create function {Faults}(doc uuid) returns boolean language plpgsql volatile as $fault$
            begin
              if doc in ('{first}', '{second}') and current_query() ilike '%= ANY(%' and nextval('{Faults}_failures') > 0 then
                raise exception 'injected failure of the batched read of practitioners';
              end if;
              return true;
            end $fault$;
            create policy fault_21b_all on {LedgerStore.Schema}.mt_doc_practitioner for all using (true) with check (true);
            create policy fault_21b_read on {LedgerStore.Schema}.mt_doc_practitioner as restrictive for select using ({Faults}(id));
            alter table {LedgerStore.Schema}.mt_doc_practitioner enable row level security, force row level security;
            """);
        try
        {
            // One commit (as an importer writes) of a fact that owes each of them a credential.
            await using (var session = Store.LightweightSession())
            {
                session.CorrelationId = commit;
                foreach (var id in new[] { first, second })
                    (await session.Events.FetchForWriting<Practitioner>(id)).AppendOne(new CareerLevelReached(CareerLevel.Working, null, Clock.Today));
                await session.SaveChangesAsync();
            }
            (await Scalar<bool>($"select is_called from {Faults}_failures")).ShouldBeTrue("the batched read was never failed");
        }
        finally
        {
            await Sql($"""
                alter table {LedgerStore.Schema}.mt_doc_practitioner no force row level security, disable row level security;
                drop policy fault_21b_read on {LedgerStore.Schema}.mt_doc_practitioner;
                drop policy fault_21b_all on {LedgerStore.Schema}.mt_doc_practitioner;
                drop function {Faults}(uuid);
                drop sequence {Faults}_failures;
                """);
        }

        // Settled by the listener before the commit returned, not left to the relay: one credential each, at once.
        (await IssuedTo(first)).ShouldBe(1);
        (await IssuedTo(second)).ShouldBe(1);
        (await IssuedUnder(first)).ShouldBe([commit]);
        (await IssuedUnder(second)).ShouldBe([commit]);
        // And the relay, passing the same facts afterwards, finds nothing owed: still one each.
        await RelayPassed(Math.Max(await LastSequenceOf(first), await LastSequenceOf(second)));
        (await IssuedTo(first)).ShouldBe(1);
        (await IssuedTo(second)).ShouldBe(1);
    }

    private const string Faults = LedgerStore.Schema + ".fault_21b";

    private async Task<int> IssuedTo(Guid practitioner)
    {
        await using var session = Store.QuerySession();
        return (await session.Events.FetchStreamAsync(practitioner)).Count(e => e.Data is CredentialIssued);
    }

    private async Task<List<string?>> IssuedUnder(Guid practitioner)
    {
        await using var session = Store.QuerySession();
        return (await session.Events.FetchStreamAsync(practitioner)).Where(e => e.Data is CredentialIssued).Select(e => e.CorrelationId).ToList();
    }

    private Task Sql(string sql) => Scalar<object?>(sql);

    private async Task<T> Scalar<T>(string sql)
    {
        await using var session = Store.QuerySession();
        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
