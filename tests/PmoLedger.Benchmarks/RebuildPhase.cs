using System.Diagnostics;
using System.Text.Json;
using Marten;
using Npgsql;
using NpgsqlTypes;
using PmoLedger.Features.Audit;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>
/// Full rebuild of the single-stream projections of practitioner streams (Practitioner snapshot,
/// profile, timeline, listing; the CPD ledger and the plan are derived from the snapshot when read) over N seeded events: Marten's projection daemon
/// rebuilding them as one composite in one pass (what `rebuild-practitioners` does), against one hand-written
/// pass that reads every event in stream order, folds all the documents at once and COPYs them into freshly
/// truncated tables.
/// </summary>
public static class RebuildPhase
{
    public static async Task<object> RunAsync(Settings settings)
    {
        Console.WriteLine($"\n== Rebuild over {settings.RebuildEvents:N0} events");
        var prepared = new NpgsqlConnectionStringBuilder(settings.RebuildConnection) { CommandTimeout = 0 };
        await using var db = NpgsqlDataSource.Create(prepared.ConnectionString);
        using var keys = Settings.Keys(settings.RebuildConnection);
        RawLedger.UseKeys(keys);
        using var store = DocumentStore.For(opts => LedgerStore.Configure(opts, settings.RebuildConnection, keys));

        var seed = Stopwatch.StartNew();
        var (events, streams, streamType) = await SeedAsync(store, keys, db, settings.RebuildEvents);
        Console.WriteLine($"  seeded {events:N0} events in {streams:N0} streams in {seed.Elapsed.TotalSeconds:0.0} s");

        var runs = new List<(double Marten, double Raw)>();
        var perProjectionRuns = new List<double>();
        var documentsMatch = true;
        for (var run = 1; run <= settings.Runs; run++)
        {
            if (settings.RebuildPerProjection)
            {
                var p = await TimeAsync(() => PerProjectionRebuildAsync(store));
                await CheckAsync(db, streams, "Marten per projection");
                perProjectionRuns.Add(events / p);
                Console.WriteLine($"  run {run}: Marten one projection after the other {events / p,9:N0} events/s ({p:0.0} s)");
            }
            var m = await TimeAsync(() => PractitionerDocumentsRebuild.RunAsync(settings.RebuildConnection, keys, TimeSpan.FromMinutes(30), CancellationToken.None));
            await CheckAsync(db, streams, "Marten");
            var byMarten = await SampleAsync(db);
            var r = await TimeAsync(() => RawRebuildAsync(db, streamType));
            await CheckAsync(db, streams, "hand-written");
            documentsMatch &= Same(byMarten, await SampleAsync(db));
            runs.Add((events / m, events / r));
            Console.WriteLine($"  run {run}: Marten {events / m,9:N0} events/s ({m:0.0} s), hand-written {events / r,9:N0} events/s ({r:0.0} s)");
        }
        var ratio = Ratio.Of(runs.Select(x => x.Marten / x.Raw));
        Ratio? perProjectionRatio = perProjectionRuns.Count == 0 ? null : Ratio.Of(perProjectionRuns.Zip(runs, (p, x) => p / x.Raw));
        if (perProjectionRatio is not null)
            Console.WriteLine($"  Marten one projection after the other / hand-written: {perProjectionRatio} (the way before the composite)");
        Console.WriteLine($"  Marten / hand-written: {ratio} [target >= 0.5]");
        Summary.AtLeast($"rebuild, {events:N0} events", ratio, 0.5,
            $"Marten {Stats.Median(runs.Select(x => x.Marten)):N0} events/s vs hand-written {Stats.Median(runs.Select(x => x.Raw)):N0} events/s");
        return new
        {
            events, streams, ratio, documentsMatch, perProjectionRatio,
            perProjectionEventsPerSecond = perProjectionRuns.Select(x => Math.Round(x)),
            martenEventsPerSecond = runs.Select(x => Math.Round(x.Marten)),
            rawEventsPerSecond = runs.Select(x => Math.Round(x.Raw)),
            seedSeconds = Math.Round(seed.Elapsed.TotalSeconds, 1)
        };
    }

    /// <summary>A few documents of each table as jsonb text (key order normalised by PostgreSQL).</summary>
    private static async Task<List<string>> SampleAsync(NpgsqlDataSource db)
    {
        var rows = new List<string>();
        foreach (var (table, _, _) in RawLedger.DocumentTables)
        {
            await using var command = db.CreateCommand($"select id::text || ' ' || data::text || ' v' || mt_version from {table} order by id limit 3");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        }
        return rows;
    }

    /// <summary>The reference must build what Marten builds, or the comparison is meaningless.</summary>
    private static bool Same(List<string> marten, List<string> raw)
    {
        var differing = marten.Zip(raw).Where(x => x.First != x.Second).ToList();
        foreach (var (m, r) in differing.Take(2))
            Console.WriteLine($"  ! documents differ:\n    Marten:       {m[..Math.Min(m.Length, 400)]}\n    hand-written: {r[..Math.Min(r.Length, 400)]}");
        return differing.Count == 0 && marten.Count == raw.Count;
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var started = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>The way before the composite: the daemon rebuilds each inline projection in turn, one pass over the log each.</summary>
    private static async Task PerProjectionRebuildAsync(IDocumentStore store)
    {
        using var daemon = await store.BuildProjectionDaemonAsync();
        var timeout = TimeSpan.FromMinutes(30);
        foreach (var projection in new[] { typeof(PractitionerProjection), typeof(PractitionerProfileProjection), typeof(TimelineProjection),
                     typeof(PractitionerListingProjection) })
            await daemon.RebuildProjectionAsync(projection, timeout, CancellationToken.None);
    }

    /// <summary>Every rebuilt table holds one document per practitioner stream.</summary>
    private static async Task CheckAsync(NpgsqlDataSource db, long streams, string who)
    {
        foreach (var (table, _, _) in RawLedger.DocumentTables)
        {
            await using var command = db.CreateCommand($"select count(*) from {table}");
            var count = (long)(await command.ExecuteScalarAsync())!;
            if (count != streams) throw new InvalidOperationException($"{who} rebuild left {count} rows in {table}, expected {streams}.");
        }
    }

    private static async Task RawRebuildAsync(NpgsqlDataSource db, string streamType)
    {
        await using var reading = await db.OpenConnectionAsync();
        await using var writing = await db.OpenConnectionAsync();
        await using var transaction = await writing.BeginTransactionAsync();
        await using (var truncate = new NpgsqlCommand(
            $"truncate {string.Join(", ", RawLedger.DocumentTables.Select(t => t.Table))}", writing, transaction))
            await truncate.ExecuteNonQueryAsync();

        // One binary COPY per table is open at a time on one connection, so documents are
        // buffered per table in batches and flushed in turn.
        var buffers = RawLedger.DocumentTables.Select(_ => new List<(Guid Id, string Json, long Version)>()).ToArray();
        async Task FlushAsync()
        {
            for (var i = 0; i < buffers.Length; i++)
            {
                if (buffers[i].Count == 0) continue;
                var (table, type, _) = RawLedger.DocumentTables[i];
                await using var copy = await writing.BeginBinaryImportAsync(
                    $"copy {table} (id, data, mt_last_modified, mt_dotnet_type, mt_version) from stdin (format binary)");
                var dotnetType = RawLedger.DotnetType(type);
                foreach (var (id, json, version) in buffers[i])
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(id, NpgsqlDbType.Uuid);
                    await copy.WriteAsync(json, NpgsqlDbType.Jsonb);
                    await copy.WriteAsync(DateTimeOffset.UtcNow, NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync(dotnetType, NpgsqlDbType.Varchar);
                    await copy.WriteAsync(version, NpgsqlDbType.Bigint);
                }
                await copy.CompleteAsync();
                buffers[i].Clear();
            }
        }

        void Add(RawLedger.Documents docs)
        {
            var documents = docs.All;
            for (var i = 0; i < documents.Length; i++)
                buffers[i].Add((docs.Id, JsonSerializer.Serialize(documents[i], RawLedger.DocumentTables[i].Type, RawLedger.Json), docs.Version));
        }

        await using var command = new NpgsqlCommand(
            "select e.stream_id, e.version, e.data, e.mt_dotnet_type, e.timestamp, e.user_name from ledger.mt_events e " +
            "join ledger.mt_streams s on s.id = e.stream_id where s.type = $1 and not e.is_archived order by e.stream_id, e.version", reading);
        command.Parameters.Add(RawLedger.Param(streamType));
        await using var reader = await command.ExecuteReaderAsync();
        RawLedger.Documents? current = null;
        while (await reader.ReadAsync())
        {
            var streamId = reader.GetGuid(0);
            if (current?.Id != streamId)
            {
                if (current is not null) Add(current);
                if (buffers[0].Count >= 2_000) await FlushAsync();
                current = new RawLedger.Documents(streamId);
            }
            var data = JsonSerializer.Deserialize(reader.GetString(2), RawLedger.ClrType(reader.GetString(3)), RawLedger.Json)!;
            current.Apply(RawLedger.Wrap(data, streamId, reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        if (current is not null) Add(current);
        await FlushAsync();
        await transaction.CommitAsync();
    }

    /// <summary>
    /// One realistic career appended through Marten (so rows are exactly what Marten writes),
    /// then copied in SQL under new stream ids until the events table holds N events.
    /// </summary>
    private static async Task<(long Events, long Streams, string StreamType)> SeedAsync(IDocumentStore store, KeyRing keys, NpgsqlDataSource db, int target)
    {
        await using (var drop = db.CreateCommand($"drop schema if exists {LedgerStore.Schema} cascade")) await drop.ExecuteNonQueryAsync();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

        var template = await TemplateStreamAsync(store, keys);
        string streamType;
        await using (var probe = db.CreateCommand("select (select count(*) from ledger.mt_events), (select type from ledger.mt_streams where id = $1)"))
        {
            probe.Parameters.Add(RawLedger.Param(template));
            await using var reader = await probe.ExecuteReaderAsync();
            await reader.ReadAsync();
            var perStream = reader.GetInt64(0);
            streamType = reader.GetString(1);
            var copies = Math.Max(0, (int)Math.Ceiling((target - perStream) / (double)perStream));
            await reader.CloseAsync();

            const int chunk = 10_000;
            for (var from = 0; from < copies; from += chunk)
            {
                var count = Math.Min(chunk, copies - from);
                await using var copy = db.CreateCommand("""
                    with ids as (select n, gen_random_uuid() as id from generate_series(1, $2) n),
                    streams as (
                        insert into ledger.mt_streams (id, type, version, timestamp, created, tenant_id, is_archived)
                        select ids.id, s.type, s.version, s.timestamp, s.created, s.tenant_id, false
                        from ids, ledger.mt_streams s where s.id = $1)
                    insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type,
                        is_archived, correlation_id, causation_id, headers, user_name)
                    select nextval('ledger.mt_events_sequence'), gen_random_uuid(), ids.id, e.version,
                        replace(e.data::text, $1::text, ids.id::text)::jsonb, e.type, e.tenant_id, e.timestamp, e.mt_dotnet_type,
                        false, e.correlation_id, e.causation_id, e.headers, e.user_name
                    from ids cross join (select * from ledger.mt_events where stream_id = $1) e
                    order by ids.n, e.version
                    """);
                copy.Parameters.Add(RawLedger.Param(template));
                copy.Parameters.Add(RawLedger.Param(count));
                await copy.ExecuteNonQueryAsync();
            }
        }
        foreach (var table in new[] { "ledger.mt_events", "ledger.mt_streams" })
        {
            await using var analyze = db.CreateCommand($"vacuum analyze {table}");
            await analyze.ExecuteNonQueryAsync();
        }
        await using var totals = db.CreateCommand("select (select count(*) from ledger.mt_events), (select count(*) from ledger.mt_streams)");
        await using var result = await totals.ExecuteReaderAsync();
        await result.ReadAsync();
        return (result.GetInt64(0), result.GetInt64(1), streamType);
    }

    private static readonly Guid Provider = Guid.CreateVersion7();

    /// <summary>A twelve-year career of four roles (decided by the service's own rules) and one course a role.</summary>
    private static async Task<Guid> TemplateStreamAsync(IDocumentStore store, KeyRing keys)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var id = Guid.CreateVersion7();
        await using var session = store.LightweightSession();
        session.LastModifiedBy = "benchmark-seed";
        keys.Store(session, id);
        session.Events.StartStream<Practitioner>(id, new PractitionerRegistered(id, PersonalText.Of(id, "Template Practitioner"), PersonalText.Of(id, "template@example.org"), today.AddYears(-12)));
        await session.SaveChangesAsync();

        (string Title, RoleFamily Family, OfficeType Office, int YearsAgo)[] career =
        [
            ("PMO Administrator", RoleFamily.Administrator, OfficeType.Project, 12),
            ("PMO Analyst", RoleFamily.Analyst, OfficeType.Programme, 9),
            ("PMO Manager", RoleFamily.Manager, OfficeType.Portfolio, 6),
            ("Head of Portfolio Office", RoleFamily.Director, OfficeType.Portfolio, 2)
        ];
        foreach (var (title, family, office, yearsAgo) in career)
        {
            var stream = await session.Events.FetchForWriting<Practitioner>(id);
            var started = new RoleStarted(Guid.CreateVersion7(), title, family, null, EmploymentType.Permanent, "Castlefield Energy",
                "Energy", office, today.AddYears(-yearsAgo), false);
            stream.AppendMany(ChangeRoleEndpoint.Decide(stream.Aggregate!, started, today, out _));
            stream.AppendOne(new TrainingCompleted(Guid.CreateVersion7(), Provider, "Benchmark Academy", $"template-{yearsAgo}",
                "P3O-F", "P3O Foundation", today.AddYears(-yearsAgo).AddMonths(6), TrainingOutcome.Passed, 0.8m, 7.5m, null));
            await session.SaveChangesAsync();
        }
        return id;
    }
}
