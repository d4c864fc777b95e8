using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PmoLedger.Benchmarks;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Plan;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Tests.Benchmarks;

/// <summary>
/// The benchmark compares Marten with a hand-written fold; the comparison only means something
/// if the hand-written side builds the very documents Marten's inline projections store.
/// </summary>
public sealed class HandWrittenReferenceTests(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task the_hand_written_fold_builds_the_same_documents_as_the_inline_projections()
    {
        var id = await RegisterPractitioner("Grace Hopper");
        await ChangeRole(id, "administrator", Clock.Today.AddYears(-6));
        await ChangeRole(id, "analyst", Clock.Today.AddYears(-3));
        await ChangeRole(id, "specialist", Clock.Today.AddMonths(-4), concurrent: true, specialism: "planning");

        // Compared with what Marten rebuilds from the stored events, as in the benchmark: inline documents
        // carry the append's in-memory timestamps (100 ns ticks), stored events only microseconds.
        await Store.Advanced.RebuildSingleStreamAsync<Practitioner>(id);
        await Store.Advanced.RebuildSingleStreamAsync<PractitionerProfile>(id);
        await Store.Advanced.RebuildSingleStreamAsync<Timeline>(id);

        await using var db = NpgsqlDataSource.Create(Host.Services.GetRequiredService<IConfiguration>().GetConnectionString("Ledger")!);
        RawLedger.UseKeys(Keys);
        var folded = await RawLedger.FoldStreamAsync(db, id);

        folded.Version.ShouldBe(await EventCountFor(id));
        for (var i = 0; i < RawLedger.DocumentTables.Length; i++)
        {
            var (table, type, _) = RawLedger.DocumentTables[i];
            await using var compare = db.CreateCommand($"select data = $2::jsonb, data::text from {table} where id = $1");
            compare.Parameters.Add(RawLedger.Param(id));
            compare.Parameters.Add(RawLedger.Param(System.Text.Json.JsonSerializer.Serialize(folded.All[i], type, RawLedger.Json)));
            await using var reader = await compare.ExecuteReaderAsync();
            reader.Read().ShouldBeTrue($"no {table} row");
            reader.GetBoolean(0).ShouldBeTrue($"{table} differs from the hand-written fold; stored: {reader.GetString(1)}");
        }
    }

    [Fact]
    public async Task the_hand_written_fold_covers_every_document_kept_under_a_practitioner_id()
    {
        var id = await RegisterPractitioner();
        await ChangeRole(id, "analyst", Clock.Today.AddYears(-1));

        await using var db = NpgsqlDataSource.Create(Host.Services.GetRequiredService<IConfiguration>().GetConnectionString("Ledger")!);
        await using var tables = db.CreateCommand(
            "select table_schema || '.' || table_name from information_schema.columns " +
            "where table_schema = 'ledger' and table_name like 'mt_doc_%' and column_name = 'id' and data_type = 'uuid'");
        var holding = new List<string>();
        await using (var reader = await tables.ExecuteReaderAsync())
        {
            var names = new List<string>();
            while (await reader.ReadAsync()) names.Add(reader.GetString(0));
            await reader.CloseAsync();
            foreach (var table in names)
            {
                await using var count = db.CreateCommand($"select count(*) from {table} where id = $1");
                count.Parameters.Add(RawLedger.Param(id));
                if ((long)(await count.ExecuteScalarAsync())! > 0) holding.Add(table);
            }
        }

        holding.Order().ShouldBe(RawLedger.DocumentTables.Select(t => t.Table).Order());
    }
}
