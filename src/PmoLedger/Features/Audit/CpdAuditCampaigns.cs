using System.Collections.Immutable;
using System.Security.Cryptography;
using JasperFx.Events;
using Marten.Events;
using Marten.Events.Aggregation;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Audit;

/// <summary>
/// A campaign drew its sample: everything needed to draw it again (seed, weights, the event sequence the
/// population was read at) is in this one event, the only one of the campaign's stream.
/// </summary>
public sealed record CpdAuditCampaignOpened(
    Guid CampaignId, string Name, DateOnly PeriodFrom, DateOnly PeriodTo, int? SampleSize, decimal? SampleRate, long Seed,
    string Algorithm, int ResponseDays, long PopulationSequence, ImmutableList<SampledPractitioner> Population,
    ImmutableList<Guid> Selected, ImmutableList<CampaignAudit> Audits, DateTimeOffset OpenedAt, DateTimeOffset DueBy);

/// <summary>Which audit (in the practitioner's stream) each selected practitioner got.</summary>
public sealed record CampaignAudit(Guid PractitionerId, Guid AuditId);

/// <summary>The campaign stream's write model and the auditor's stored view of it.</summary>
public sealed record CpdAuditCampaign
{
    public Guid Id { get; init; }
    public CpdAuditCampaignOpened Opened { get; init; } = null!;
}

public partial class CpdAuditCampaignProjection : SingleStreamProjection<CpdAuditCampaign, Guid>
{
    public CpdAuditCampaignProjection()
    {
        FilterIncomingEventsOnStreamType(typeof(CpdAuditCampaign));
        // The one fact a campaign document holds; without it every write to any stream loads one for nothing.
        IncludeType<CpdAuditCampaignOpened>();
    }

    public override CpdAuditCampaign? Evolve(CpdAuditCampaign? snapshot, Guid id, IEvent e) =>
        e.Data is CpdAuditCampaignOpened o ? new CpdAuditCampaign { Id = id, Opened = o } : snapshot;
}

public sealed record OpenCpdAuditCampaign(string? Name, DateOnly? PeriodFrom, DateOnly? PeriodTo, int? SampleSize, decimal? SampleRate,
    long? Seed, int? ResponseDays);

public sealed record CampaignOpened(Guid CampaignId, int PopulationSize, IReadOnlyList<Guid> Selected, long Seed, DateTimeOffset DueBy);

/// <summary>Sent for an audit's dueBy; records CpdAuditOverdue if no evidence came by then (CpdAuditDecisions.cs).</summary>
public sealed record CpdAuditDue(Guid PractitionerId, Guid AuditId);

public static class CampaignPopulation
{
    /// <summary>
    /// The highest event sequence committed now, below which nothing can still be committed: the population is read
    /// as of it. Sequences are taken at insert, so a slower transaction can commit a lower one after a faster one's
    /// higher one; read naively, reproduce would later find an event the draw did not see and report an altered log.
    /// A SHARE lock waits for every transaction writing events to end and holds new ones back for the moment of the
    /// read (opening a campaign is rare), so every sequence up to the answer is final.
    /// </summary>
    public static async Task<long> CurrentSequenceAsync(IQuerySession session, CancellationToken ct)
    {
        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var hold = new Npgsql.NpgsqlCommand($"lock table {LedgerStore.Schema}.mt_events in share mode", connection, transaction))
            await hold.ExecuteNonQueryAsync(ct);
        await using var highest = new Npgsql.NpgsqlCommand($"select coalesce(max(seq_id), 0) from {LedgerStore.Schema}.mt_events", connection, transaction);
        var sequence = (long)(await highest.ExecuteScalarAsync(ct))!;
        await transaction.CommitAsync(ct);
        return sequence;
    }

    /// <summary>Practitioners whose streams are fetched and folded together: one round trip each, and bounded memory.</summary>
    public const int PageSize = 500;

    /// <summary>
    /// Every practitioner with self-logged CPD dated in [from, to] (revoked or rejected ones aside), from the events
    /// recorded up to <paramref name="sequence"/>, with their attested and self-claimed points in the window. Who
    /// logged CPD at all is answered by the database without reading an event; the streams are then read a page at a
    /// time, so a register of tens of thousands costs tens of round trips and one page of events in memory.
    /// </summary>
    public static async Task<IReadOnlyList<SampledPractitioner>> ReadAsync(IQuerySession session, DateOnly from, DateOnly to, long sequence,
        CancellationToken ct, int pageSize = PageSize)
    {
        // The same rows Marten's raw event query reads (archived events aside), only their distinct stream ids.
        var logged = await session.AdvancedSql.QueryAsync<Guid>(
            $"select distinct stream_id from {LedgerStore.Schema}.mt_events where type = ? and seq_id <= ? and is_archived = false", ct,
            EventTypeExtensions.GetEventTypeName(typeof(CpdActivityLogged)), sequence);
        var population = new List<SampledPractitioner>();
        foreach (var page in logged.Chunk(pageSize))
        {
            var batch = session.CreateBatchQuery();
            var streams = page.Select(id => (Id: id, Events: batch.Events.FetchStream(id))).ToList();
            await batch.Execute(ct);
            foreach (var (id, fetched) in streams)
            {
                var events = (await fetched).Where(e => e.Sequence <= sequence);
                if (PastState.Fold(new PractitionerProjection(), id, events) is not { } practitioner) continue;
                if (Figures(CpdLedger.Of(practitioner), from, to) is { } member) population.Add(member);
            }
        }
        return population.OrderBy(p => p.PractitionerId.ToString()).ToList();
    }

    public static IReadOnlyList<CpdEntry> ActivitiesInWindow(CpdLedger ledger, DateOnly from, DateOnly to) =>
        ledger.Entries.Where(e => e is { Source: CpdSource.Activity, Void: false } && e.OccurredOn >= from && e.OccurredOn <= to).ToList();

    public static SampledPractitioner? Figures(CpdLedger ledger, DateOnly from, DateOnly to)
    {
        var activities = ActivitiesInWindow(ledger, from, to);
        if (activities.Count == 0) return null;
        var attestations = ledger.Attestations.ToDictionary(a => a.ActivityId, a => a.Points);
        var attested = activities.Sum(a => attestations.GetValueOrDefault(a.Id));
        var selfClaimed = activities.Sum(a => a.Points) - attested;
        return new SampledPractitioner(ledger.Id, attested, selfClaimed, CpdAuditSampling.Weight(attested, selfClaimed));
    }
}

public static class OpenCpdAuditCampaignEndpoint
{
    public const int DefaultResponseDays = 30;

    public static ProblemDetails Validate(OpenCpdAuditCampaign? command)
    {
        if (command is null) return Problems.MissingBody;
        var problems = new Problems()
            .Required("name", command.Name).MaxLength("name", command.Name, 200)
            .Required("periodFrom", command.PeriodFrom).Required("periodTo", command.PeriodTo);
        if (command.PeriodFrom > command.PeriodTo) problems.Add("periodTo", "'periodTo' may not be before 'periodFrom'.");
        if ((command.SampleSize is null) == (command.SampleRate is null))
            problems.Add("sampleSize", "Give exactly one of 'sampleSize' (how many practitioners) or 'sampleRate' (a share, above 0 and at most 1).");
        if (command.SampleSize is < 1) problems.Add("sampleSize", "'sampleSize' must be at least 1.");
        if (command.SampleRate is { } rate && (rate <= 0 || rate > 1)) problems.Add("sampleRate", "'sampleRate' must be above 0 and at most 1.");
        if (command.Seed is < 0 or > CpdAuditSampling.MaxSeed) problems.Add("seed", $"'seed' must be an integer from 0 to {CpdAuditSampling.MaxSeed}.");
        if (command.ResponseDays is < 1 or > 365) problems.Add("responseDays", "'responseDays' must be from 1 to 365.");
        return problems.ToProblem();
    }

    [EndpointSummary("Open a CPD audit campaign")]
    [EndpointDescription("Auditors. Draws a reproducible weighted sample of the practitioners with self-logged CPD in the window and starts an audit for each (docs/cpd-audits.md).")]
    [ProducesResponseType<CampaignOpened>(201)]
    [WolverinePost("/api/audit/cpd-campaigns", OperationId = "openCpdAuditCampaign")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<(IResult, OutgoingMessages)> Post(OpenCpdAuditCampaign command, IDocumentSession session, TimeProvider clock,
        CancellationToken ct)
    {
        var from = command.PeriodFrom!.Value;
        var to = command.PeriodTo!.Value;
        var sequence = await CampaignPopulation.CurrentSequenceAsync(session, ct);
        var population = await CampaignPopulation.ReadAsync(session, from, to, sequence, ct);
        var seed = command.Seed ?? BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)) & CpdAuditSampling.MaxSeed;
        var selected = Select(command.SampleSize, command.SampleRate, population, seed);
        // Only the selected need their activities listed in an audit: one round trip, not one per member of the population.
        var ledgers = (await session.LoadManyAsync<Practitioner>(ct, selected)).ToDictionary(p => p.Id, CpdLedger.Of);

        var decision = Decide(command, population, selected, ledgers, sequence, seed, Guid.CreateVersion7(), Guid.CreateVersion7, clock.GetUtcNow());

        session.Events.StartStream<CpdAuditCampaign>(decision.Opened.CampaignId, decision.Opened);
        foreach (var (practitionerId, started) in decision.Started) session.Events.Append(practitionerId, started);
        var opened = decision.Opened;
        return (Results.Created($"/api/audit/cpd-campaigns/{opened.CampaignId}",
                new CampaignOpened(opened.CampaignId, population.Count, opened.Selected, seed, opened.DueBy)),
            decision.Due.ToOutgoing());
    }

    public sealed record Decision(CpdAuditCampaignOpened Opened, IReadOnlyList<(Guid PractitionerId, CpdAuditStarted Started)> Started,
        IReadOnlyList<Scheduled> Due);

    /// <summary>Pure: who the seed selects from the population, at the size asked for (a count, or else a rate of the population).</summary>
    public static IReadOnlyList<Guid> Select(int? sampleSize, decimal? sampleRate, IReadOnlyList<SampledPractitioner> population, long seed) =>
        CpdAuditSampling.Draw(population, sampleSize ?? CpdAuditSampling.SizeFor(sampleRate!.Value, population.Count), seed);

    /// <summary>
    /// Pure: the population read, its selection (<see cref="Select"/>) with the selected practitioners' ledgers, the seed, the
    /// ids and the time in; the campaign, its audits and their due messages out.
    /// </summary>
    public static Decision Decide(OpenCpdAuditCampaign command, IReadOnlyList<SampledPractitioner> population, IReadOnlyList<Guid> selected,
        IReadOnlyDictionary<Guid, CpdLedger> ledgers, long sequence, long seed, Guid campaignId, Func<Guid> newAuditId, DateTimeOffset now)
    {
        var from = command.PeriodFrom!.Value;
        var to = command.PeriodTo!.Value;
        var responseDays = command.ResponseDays ?? DefaultResponseDays;
        var dueBy = now.AddDays(responseDays);
        var name = command.Name!.Trim();

        var started = selected.Select(id => (id, new CpdAuditStarted(newAuditId(), campaignId, name,
            [.. CampaignPopulation.ActivitiesInWindow(ledgers[id], from, to).Select(a => a.Id)], dueBy, Clock.DayOf(now)))).ToList();
        var opened = new CpdAuditCampaignOpened(campaignId, name, from, to, command.SampleSize, command.SampleRate, seed,
            CpdAuditSampling.Algorithm, responseDays, sequence, [.. population], [.. selected],
            [.. started.Select(s => new CampaignAudit(s.id, s.Item2.AuditId))], now, dueBy);
        var due = started.SelectMany(s => CpdAuditNotices.Schedule(s.id, s.Item2, now)
            .Prepend(new Scheduled(new CpdAuditDue(s.id, s.Item2.AuditId), dueBy - now))).ToList();
        return new Decision(opened, started, due);
    }
}

public sealed record CampaignSummary(Guid CampaignId, string Name, DateOnly PeriodFrom, DateOnly PeriodTo, int PopulationSize,
    int SelectedCount, long Seed, DateTimeOffset OpenedAt, DateTimeOffset DueBy);

public sealed record CampaignAuditState(Guid AuditId, Guid PractitionerId, AuditState State, AuditOutcome? Outcome, int Activities,
    int EvidenceItems, int Decided, bool Overdue);

public sealed record CampaignView(CpdAuditCampaignOpened Campaign, IReadOnlyList<CampaignAuditState> Audits);

public sealed record Reproduction(bool Reproduced, IReadOnlyList<Guid> Selected, IReadOnlyList<Guid> RecordedSelected, string Detail);

public static class CpdAuditCampaignRoutes
{
    [EndpointSummary("List CPD audit campaigns")]
    [EndpointDescription("Auditors. Newest first.")]
    [ProducesResponseType<IReadOnlyList<CampaignSummary>>(200)]
    [WolverineGet("/api/audit/cpd-campaigns", OperationId = "listCpdAuditCampaigns")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IReadOnlyList<CampaignSummary>> List(IQuerySession session, CancellationToken ct)
    {
        var campaigns = await session.Query<CpdAuditCampaign>().ToListAsync(ct);
        return campaigns.Select(c => c.Opened).OrderByDescending(o => o.OpenedAt)
            .Select(o => new CampaignSummary(o.CampaignId, o.Name, o.PeriodFrom, o.PeriodTo, o.Population.Count, o.Selected.Count, o.Seed,
                o.OpenedAt, o.DueBy))
            .ToList();
    }

    [EndpointSummary("Read a CPD audit campaign")]
    [EndpointDescription("Auditors. The recorded draw (seed, weights, population sequence) and each audit's state.")]
    [ProducesResponseType<CampaignView>(200)]
    [WolverineGet("/api/audit/cpd-campaigns/{id}", OperationId = "getCpdAuditCampaign")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct)
    {
        if (await session.LoadAsync<CpdAuditCampaign>(id, ct) is not { } campaign) return NoSuchCampaign(id);
        var audits = await session.Query<CpdAudit>().Where(a => a.CampaignId == id).ToListAsync(ct);
        return Results.Ok(new CampaignView(campaign.Opened, audits.OrderBy(a => campaign.Opened.Selected.IndexOf(a.PractitionerId))
            .Select(a => new CampaignAuditState(a.Id, a.PractitionerId, a.State, a.Outcome, a.Activities.Count, a.Evidence.Count,
                a.Decisions.Count, a.Overdue))
            .ToList()));
    }

    [EndpointSummary("Draw a campaign's sample again")]
    [EndpointDescription("Auditors. Reads the population again as of the recorded event sequence and draws with the recorded seed; `reproduced` is true when the population, its weights and the selection all match what was recorded, which holds unless the log was altered.")]
    [ProducesResponseType<Reproduction>(200)]
    [WolverinePost("/api/audit/cpd-campaigns/{id}/reproduce", OperationId = "reproduceCpdAuditCampaign")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Reproduce(Guid id, IQuerySession session, CancellationToken ct)
    {
        if (await session.LoadAsync<CpdAuditCampaign>(id, ct) is not { } campaign) return NoSuchCampaign(id);
        var o = campaign.Opened;
        var population = await CampaignPopulation.ReadAsync(session, o.PeriodFrom, o.PeriodTo, o.PopulationSequence, ct);
        return Results.Ok(Compare(o, population));
    }

    private static IResult NoSuchCampaign(Guid id) => Results.Problem(Problems.NotFound($"No CPD audit campaign {id}."));

    /// <summary>Pure: the recorded campaign against the population read again.</summary>
    public static Reproduction Compare(CpdAuditCampaignOpened recorded, IReadOnlyList<SampledPractitioner> population)
    {
        var selected = OpenCpdAuditCampaignEndpoint.Select(recorded.SampleSize, recorded.SampleRate, population, recorded.Seed);
        var samePopulation = population.SequenceEqual(recorded.Population);
        var sameSelection = selected.SequenceEqual(recorded.Selected);
        var detail = samePopulation && sameSelection
            ? "The population, its weights and the selection are as recorded."
            : !samePopulation
                ? $"The population read again as of event sequence {recorded.PopulationSequence} differs from the one recorded " +
                  $"({string.Join(", ", population.Except(recorded.Population).Concat(recorded.Population.Except(population)).Select(p => p.PractitionerId).Distinct())}): the log was altered."
                : "The selection drawn again differs from the one recorded.";
        return new Reproduction(samePopulation && sameSelection, selected, recorded.Selected, detail);
    }
}
