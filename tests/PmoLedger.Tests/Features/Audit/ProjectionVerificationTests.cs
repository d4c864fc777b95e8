using System.Text.Json;
using Alba;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using PmoLedger.Features.Audit;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Tests.Features.Audit;

public class ProjectionVerificationTests(AppFixture fixture) : AuditContext(fixture)
{
    private async Task<List<Guid>> SomeHistory()
    {
        var a = await RegisterPractitioner("Ada");
        var b = await RegisterPractitioner("Bo");
        await ChangeRole(a, "administrator", Clock.Today.AddYears(-3));
        await ChangeRole(a, "analyst", Clock.Today.AddMonths(-2));
        await ChangeRole(b, "specialist", Clock.Today.AddYears(-1), specialism: "planning");
        await ChangeRole(b, "analyst", Clock.Today.AddMonths(-1), concurrent: true);
        return [a, b];
    }

    private async Task<JsonElement> Verify()
    {
        var result = await As(AuditorToken, s =>
        {
            s.Post.Url("/api/audit/projections/verify");
            s.StatusCodeShouldBe(200);
        });
        return await result.Json();
    }

    [Fact]
    public async Task a_clean_ledger_has_no_drift()
    {
        await SomeHistory();

        var report = await Verify();

        report.GetProperty("checked").GetInt32().ShouldBe(2 * PastState.ReadModels.Count);
        report.GetProperty("drifted").GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData("mt_doc_practitionerprofile", "update {0} set data = jsonb_set(data, '{{fullName}}', '\"Someone Else\"') where id = $1", "profile")]
    [InlineData("mt_doc_timeline", "update {0} set data = jsonb_set(data, '{{entries,0,summary}}', '\"Made up\"') where id = $1", "timeline")]
    [InlineData("mt_doc_timeline", "delete from {0} where id = $1", "timeline")]
    // The write model is verified too: the CPD ledger and the plan are derived from it when read.
    [InlineData("mt_doc_practitioner", "update {0} set data = jsonb_set(data, '{{fullName}}', '\"Someone Else\"') where id = $1", "practitioner")]
    public async Task a_stored_read_model_altered_in_sql_is_reported_as_drift(string table, string sql, string readModel)
    {
        var ids = await SomeHistory();

        (await Sql(string.Format(sql, $"ledger.{table}"), ids[1])).ShouldBe(1);

        var drifted = (await Verify()).GetProperty("drifted").EnumerateArray().ToList();
        drifted.Count.ShouldBe(1);
        drifted[0].Str("practitionerId").ShouldBe(ids[1].ToString());
        drifted[0].Str("readModel").ShouldBe(readModel);
    }

    [Fact]
    public async Task martens_own_rebuild_reproduces_the_stored_read_models_exactly()
    {
        await SomeHistory();
        const string snapshot = """
            select string_agg(id::text || ':' || data::text, E'\n' order by id) from (
              select id, data from ledger.mt_doc_practitionerprofile union all select id, data from ledger.mt_doc_timeline) docs
            """;
        var before = await Scalar<string>(snapshot);

        using var daemon = await Store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync<PractitionerProfileProjection>(TimeSpan.FromSeconds(30), CancellationToken.None);
        await daemon.RebuildProjectionAsync<TimelineProjection>(TimeSpan.FromSeconds(30), CancellationToken.None);

        (await Scalar<string>(snapshot)).ShouldBe(before);
    }

    [Fact]
    public async Task the_one_pass_rebuild_reproduces_every_practitioner_document_exactly()
    {
        var ids = await SomeHistory();
        const string snapshot = """
            select string_agg(id::text || ' v' || mt_version || ' ' || data::text, E'\n' order by kind, id) from (
              select 1 kind, id, mt_version, data from ledger.mt_doc_practitioner union all
              select 2, id, mt_version, data from ledger.mt_doc_practitionerprofile union all
              select 3, id, mt_version, data from ledger.mt_doc_timeline union all
              select 4, id, mt_version, data from ledger.mt_doc_practitionerlisting) docs
            """;
        var before = await Scalar<string>(snapshot);
        // Lose one document and falsify another: the rebuild has to bring both back from the events.
        (await Sql("delete from ledger.mt_doc_timeline where id = $1", ids[0])).ShouldBe(1);
        (await Sql("update ledger.mt_doc_practitioner set data = jsonb_set(data, '{fullName}', '\"Someone Else\"') where id = $1", ids[1])).ShouldBe(1);
        (await Scalar<string>(snapshot)).ShouldNotBe(before);

        await PractitionerDocumentsRebuild.RunAsync(Host.Services.GetRequiredService<IConfiguration>().GetConnectionString("Ledger")!,
            Keys, TimeSpan.FromSeconds(60), CancellationToken.None);

        (await Scalar<string>(snapshot)).ShouldBe(before);
    }

    [Fact]
    public void every_single_stream_read_model_registered_with_marten_is_verified()
    {
        var registered = ((StoreOptions)Store.Options).Projections.All
            .Where(p => p.GetType().BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(SingleStreamProjection<,>))
            .Select(p => p.GetType().BaseType!.GetGenericArguments()[0])
            .Where(t => t != typeof(PmoLedger.Features.Providers.Provider)) // a provider's write model
            .Where(t => t != typeof(PmoLedger.Features.Providers.ProviderListing)) // kept per provider, not per practitioner
            .Where(t => t != typeof(PmoLedger.Features.Audit.CpdAuditCampaign)) // kept per CPD audit campaign
            // Read models of other streams than a practitioner's: one xAPI statement stream each.
            .Where(t => t != typeof(PmoLedger.Features.Xapi.XapiStatement))
            .ToList();

        registered.ShouldNotBeEmpty();
        PastState.ReadModels.Select(m => m.DocumentType).ShouldBe(registered, ignoreOrder: true);
    }
}
