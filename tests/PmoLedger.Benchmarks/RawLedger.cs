using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using JasperFx.Events;

using Weasel.Core;
using Npgsql;
using NpgsqlTypes;
using Marten.Events.Aggregation;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>
/// The hand-written side of the references: events read with plain Npgsql, deserialized with
/// System.Text.Json in the service's JSON dialect, folded with the service's own fold code
/// (the Practitioner Apply methods and the projections' Evolve), documents written back as jsonb.
/// What this measures against Marten is Marten's machinery, not the domain logic.
/// </summary>
public static class RawLedger
{
    /// <summary>
    /// Exactly the JSON options Marten stores with (LedgerStore: enums as strings, camelCase, then
    /// Json.Configure), so hand-written rows are the same bytes Marten writes. Marten's own enum
    /// converter comes first, so stored enums read "Analyst", not the API's "analyst".
    /// </summary>
    public static JsonSerializerOptions Json { get; private set; } = CreateJson(null);

    /// <summary>Personal data in events is sealed under the database's keys, as LedgerStore configures Marten.</summary>
    public static void UseKeys(PmoLedger.Infrastructure.KeyRing keys) => Json = CreateJson(keys);

    private static JsonSerializerOptions CreateJson(PmoLedger.Infrastructure.KeyRing? keys)
    {
        JsonSerializerOptions? captured = null;
        var marten = new Marten.Services.SystemTextJsonSerializer { EnumStorage = EnumStorage.AsString, Casing = Casing.CamelCase };
        marten.Configure((JsonSerializerOptions options) =>
        {
            PmoLedger.Infrastructure.Json.Configure(options);
            if (keys is not null) options.Converters.Insert(0, new PmoLedger.Infrastructure.SealedTextConverter(keys));
            captured = options;
        });
        return captured ?? throw new InvalidOperationException("Marten did not hand out its JSON options.");
    }

    private static readonly ConcurrentDictionary<string, Type> Types = new();

    public static Type ClrType(string dotnetType) =>
        Types.GetOrAdd(dotnetType, name => Type.GetType(name, throwOnError: true)!);

    /// <summary>An event as a projection sees it: data plus the metadata the timeline records.</summary>
    public static IEvent Wrap(object data, Guid streamId, long version, DateTimeOffset timestamp, string? userName)
    {
        var e = Wrappers.GetOrAdd(data.GetType(), CreateWrapper)(data);
        e.StreamId = streamId;
        e.Version = version;
        e.Timestamp = timestamp;
        e.UserName = userName;
        return e;
    }

    private static readonly ConcurrentDictionary<Type, Func<object, IEvent>> Wrappers = new();

    private static Func<object, IEvent> CreateWrapper(Type type)
    {
        var method = typeof(RawLedger).GetMethod(nameof(WrapTyped), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
        return method.CreateDelegate<Func<object, IEvent>>();
    }

    private static IEvent WrapTyped<T>(object data) where T : notnull => new Event<T>((T)data);

    /// <summary>One inline document of a practitioner stream: its table, its type, and the service's own fold for it.</summary>
    public sealed record InlineDocument(string Table, Type Type, Func<object?, Guid, IEvent, object?> Evolve);

    /// <summary>
    /// Every document Marten's inline projections keep per practitioner stream (LedgerStore): each
    /// event of the stream rewrites all of them. The benchmark test checks this list against the database.
    /// </summary>
    public static readonly InlineDocument[] DocumentTables =
    [
        Projected<Practitioner>("ledger.mt_doc_practitioner", new PractitionerProjection()),
        Projected<PractitionerProfile>("ledger.mt_doc_practitionerprofile", new PractitionerProfileProjection()),
        Projected<Timeline>("ledger.mt_doc_timeline", new TimelineProjection()),
        Projected<PractitionerListing>("ledger.mt_doc_practitionerlisting", new PractitionerListingProjection())
    ];

    private static InlineDocument Projected<T>(string table, SingleStreamProjection<T, Guid> projection) where T : class =>
        new(table, typeof(T), (doc, id, e) => projection.Evolve((T?)doc, id, e));

    public static readonly SingleStreamProjection<PractitionerProfile, Guid> Profiles = new PractitionerProfileProjection();

    /// <summary>The inline documents of one practitioner stream, folded together.</summary>
    public sealed class Documents(Guid id)
    {
        public Guid Id { get; } = id;
        public long Version { get; set; }

        /// <summary>In the order of <see cref="DocumentTables"/>.</summary>
        public object?[] All { get; } = new object?[DocumentTables.Length];

        public Practitioner? Practitioner => (Practitioner?)All[0];

        /// <summary>
        /// From a batch's results: the stream's version row, then one result per document in the order of
        /// <see cref="DocumentTables"/>. False when the stream does not exist.
        /// </summary>
        public async Task<bool> ReadAsync(NpgsqlDataReader reader, CancellationToken ct)
        {
            if (!await reader.ReadAsync(ct)) return false;
            Version = reader.GetInt64(0);
            for (var i = 0; i < All.Length; i++)
            {
                await reader.NextResultAsync(ct);
                if (await reader.ReadAsync(ct)) All[i] = JsonSerializer.Deserialize(reader.GetString(0), DocumentTables[i].Type, Json);
            }
            return true;
        }

        public void Apply(IEvent e)
        {
            for (var i = 0; i < All.Length; i++) All[i] = DocumentTables[i].Evolve(All[i], Id, e);
            Version = e.Version;
        }
    }

    /// <summary>Reads one stream's events in order and folds its documents, as the rebuild reference does.</summary>
    public static async Task<Documents> FoldStreamAsync(NpgsqlDataSource db, Guid id)
    {
        await using var command = db.CreateCommand(
            "select data, mt_dotnet_type, version, timestamp, user_name from ledger.mt_events where stream_id = $1 order by version");
        command.Parameters.Add(Param(id));
        await using var reader = await command.ExecuteReaderAsync();
        var docs = new Documents(id);
        while (await reader.ReadAsync())
        {
            var data = JsonSerializer.Deserialize(reader.GetString(0), ClrType(reader.GetString(1)), Json)!;
            docs.Apply(Wrap(data, id, reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return docs;
    }

    public static string DotnetType(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    public static string Upsert(string table) =>
        $"insert into {table} (id, data, mt_last_modified, mt_dotnet_type, mt_version) values ($1, $2, transaction_timestamp(), $3, $4) " +
        "on conflict (id) do update set data = excluded.data, mt_last_modified = excluded.mt_last_modified, mt_version = excluded.mt_version";

    public static NpgsqlParameter Jsonb(string json) => new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb };
    public static NpgsqlParameter Param<T>(T value) => new NpgsqlParameter<T> { TypedValue = value };
}
