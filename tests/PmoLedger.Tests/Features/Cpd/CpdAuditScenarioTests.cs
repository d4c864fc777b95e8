using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Alba;
using Marten;
using Npgsql;
using Wolverine;
using Wolverine.Tracking;
using PmoLedger.Features.Audit;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Tests.Features.Cpd;

/// <summary>Cross-attestation, rule versions, what-if and CPD audit campaigns on the real routes (cpd-audit.md).</summary>
public partial class CpdAuditScenarioTests(AppFixture fixture) : ProgressionContext(fixture)
{
    private static DateOnly On(string day) => DateOnly.Parse(day);

    private static readonly byte[] Pdf = [.. "%PDF-1.7\n"u8.ToArray(), .. RandomNumberGenerator.GetBytes(2000), .. "\n%%EOF"u8.ToArray()];

    private async Task<Guid> LogCourse(Guid id, decimal points, DateOnly on, string? courseCode, string category = "professional-education",
        string title = "Course I attended")
    {
        var result = await As(PractitionerToken(id), s =>
        {
            s.Post.Json(new { category, points, title, reflection = "What I learned and how I will use it at work.", occurredOn = on, courseCode })
                .ToUrl($"/api/practitioners/{id}/cpd");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Json()).GetProperty("activityId").GetGuid();
    }

    private static JsonElement FirstPeriod(JsonElement ledger) => ledger.GetProperty("cycles")[0].GetProperty("periods")[0];

    private static JsonElement EntryOf(JsonElement period, Guid id) =>
        period.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("id").GetGuid() == id);

    [Fact]
    public async Task cross_attestation_is_in_the_ledger_the_same_as_of_any_instant_and_on_rebuild()
    {
        Today(On("2026-06-15"));
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", On("2025-01-10"));
        var completion = await AppendCompletion(id, "MSP-F", On("2025-03-10"), 8);
        var attested = await LogCourse(id, 6, On("2025-03-12"), "MSP-F");
        await LogCourse(id, 2, On("2025-04-01"), null, "community", "Mentoring");
        var before = Clock.GetUtcNow();
        Clock.Offset += TimeSpan.FromSeconds(1);
        var partly = await LogCourse(id, 3, On("2025-03-09"), null);

        var period = FirstPeriod(await Ledger(id));
        period.GetProperty("attestedPoints").GetDecimal().ShouldBe(6m + 2m);
        period.GetProperty("selfClaimedPoints").GetDecimal().ShouldBe(1m + 2m);
        // Counted: professional education 8 + 6 + 3 capped at 15, community 2.
        period.GetProperty("countedPoints").GetDecimal().ShouldBe(17m);
        period.GetProperty("stillNeeded").GetProperty("total").GetDecimal().ShouldBe(3m);
        period.GetProperty("stillNeeded").GetProperty("professionalExperience").GetDecimal().ShouldBe(5m);
        var entry = EntryOf(period, attested);
        entry.GetProperty("attestation").GetProperty("completionId").GetGuid().ShouldBe(completion);
        entry.GetProperty("attestation").GetProperty("providerId").GetGuid().ShouldNotBe(Guid.Empty);
        EntryOf(period, partly).GetProperty("attestedPoints").GetDecimal().ShouldBe(2m);
        EntryOf(period, completion).GetProperty("attestation").ValueKind.ShouldBe(JsonValueKind.Null);

        // As it stood before the last activity, and as it stands now: the live ledger, to the byte.
        var then = FirstPeriod(await Get<JsonElement>($"/api/audit/practitioners/{id}/cpd?asOf={before:O}", AuditorToken));
        then.GetProperty("attestedPoints").GetDecimal().ShouldBe(6m);
        var now = await Get<JsonElement>($"/api/audit/practitioners/{id}/cpd?asOf={Clock.GetUtcNow():O}", AuditorToken);
        now.GetRawText().ShouldBe((await Ledger(id)).GetRawText());

        // A rebuild from the events gives the stored document.
        var verification = await Get<JsonElement>("/api/audit/projections/verify", AuditorToken).ContinueWith(_ => As(AuditorToken, s =>
            s.Post.Url("/api/audit/projections/verify"))).Unwrap();
        (await verification.Json()).GetProperty("drifted").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task rule_versions_are_listed_replayed_without_recording_and_a_new_one_leaves_earlier_cycles_alone()
    {
        var versions = await Get<JsonElement>("/api/cpd/rule-versions", PractitionerToken(Guid.NewGuid()));
        versions.Str("default").ShouldBe("axelos-2024");
        versions.GetProperty("versions").EnumerateArray().Select(v => v.Str("version")).ShouldBe(["axelos-2024", AppFixture.TestRuleVersionName]);
        versions.GetProperty("versions")[0].GetProperty("periodMinimum").GetDecimal().ShouldBe(20m);

        Today(On("2090-06-01"));
        var id = await RegisterPractitioner();
        await Award(id, "OLD", On("2089-06-01"));
        await Award(id, "NEW", On("2090-02-01"));
        await LogCourse(id, 12, On("2090-03-01"), null, "professional-experience");
        await LogCourse(id, 10, On("2090-03-02"), null, "community");

        var ledger = await Ledger(id);
        var cycles = ledger.GetProperty("cycles").EnumerateArray().ToList();
        // The cycle from before the new version keeps axelos-2024 (met: 22 ≥ 20, 12 ≥ 5) …
        cycles.Single(c => c.Str("certificationCode") == "OLD").Str("ruleVersion").ShouldBe("axelos-2024");
        FirstPeriod(ledger).GetProperty("met").GetBoolean().ShouldBeTrue();
        // … the one started under the new version is held to its 30 points.
        var newCycle = cycles.Single(c => c.Str("certificationCode") == "NEW");
        newCycle.Str("ruleVersion").ShouldBe(AppFixture.TestRuleVersionName);
        newCycle.GetProperty("periods")[0].GetProperty("stillNeeded").GetProperty("total").GetDecimal().ShouldBe(8m);

        var events = await EventCount();
        var replayed = await Get<JsonElement>($"/api/practitioners/{id}/cpd?ruleVersion={AppFixture.TestRuleVersionName}", PractitionerToken(id));
        replayed.Str("ruleVersion").ShouldBe(AppFixture.TestRuleVersionName);
        replayed.GetProperty("cycles").EnumerateArray().ShouldAllBe(c => c.GetProperty("ruleVersion").GetString() == AppFixture.TestRuleVersionName);
        FirstPeriod(replayed).GetProperty("met").GetBoolean().ShouldBeFalse();
        (await EventCount()).ShouldBe(events);
        FirstPeriod(await Ledger(id)).GetProperty("met").GetBoolean().ShouldBeTrue();

        var problem = await As(PractitionerToken(id), s =>
        {
            s.Get.Url($"/api/practitioners/{id}/cpd?ruleVersion=axelos-1999");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await problem.Json()).GetProperty("errors").GetProperty("ruleVersion")[0].GetString()!.ShouldContain("axelos-2024");
    }

    [Fact]
    public async Task simulate_answers_the_ledger_with_hypothetical_activities_and_records_nothing()
    {
        Today(On("2026-06-15"));
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", On("2025-01-10"));
        await LogCourse(id, 15, On("2025-02-01"), null, "professional-experience");
        var events = await EventCount();

        var result = await As(AuditorToken, s =>
        {
            s.Post.Json(new { activities = new[] { new { category = "community", points = 5m, occurredOn = On("2025-02-03"), title = "Talk" } } })
                .ToUrl($"/api/practitioners/{id}/cpd/simulate");
            s.StatusCodeShouldBe(200);
        });
        var period = FirstPeriod(await result.Json());
        period.GetProperty("met").GetBoolean().ShouldBeTrue();
        period.GetProperty("entries").EnumerateArray().Count(e => e.GetProperty("hypothetical").GetBoolean()).ShouldBe(1);
        (await EventCount()).ShouldBe(events);
        FirstPeriod(await Ledger(id)).GetProperty("met").GetBoolean().ShouldBeFalse();

        await ShouldBeBadRequest(PractitionerToken(id), $"/api/practitioners/{id}/cpd/simulate",
            """{"activities":[{"category":"community","points":99,"occurredOn":"2025-02-03"}]}""", "activities[0].points");
    }

    private async Task<JsonElement> OpenCampaign(object body)
    {
        var result = await As(AuditorToken, s =>
        {
            s.Post.Json(body).ToUrl("/api/audit/cpd-campaigns");
            s.StatusCodeShouldBe(201);
        });
        return await result.Json();
    }

    /// <summary>Six practitioners with CPD in 2025: three fully attested, three self-claimed only, one with nothing in the window.</summary>
    private async Task<(List<Guid> Attested, List<Guid> SelfClaimed)> Population()
    {
        Today(On("2026-06-15"));
        var attested = new List<Guid>();
        var selfClaimed = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var a = await RegisterPractitioner();
            await AppendCompletion(a, "MSP-F", On("2025-05-10"), 6);
            await LogCourse(a, 6, On("2025-05-11"), "MSP-F");
            attested.Add(a);
            var s = await RegisterPractitioner();
            await LogCourse(s, 4, On("2025-05-11"), null, "professional-experience");
            selfClaimed.Add(s);
        }
        var outside = await RegisterPractitioner();
        await LogCourse(outside, 4, On("2024-05-11"), null);
        return (attested, selfClaimed);
    }

    [Fact]
    public async Task a_campaign_records_its_draw_starts_audits_and_reproduces_until_the_log_is_altered()
    {
        var (attested, selfClaimed) = await Population();
        var body = new { name = "2025 renewals", periodFrom = On("2025-01-01"), periodTo = On("2025-12-31"), sampleSize = 2, seed = 20250101L };
        var opened = await OpenCampaign(body);
        opened.GetProperty("populationSize").GetInt32().ShouldBe(6);
        var selected = opened.GetProperty("selected").EnumerateArray().Select(e => e.GetGuid()).ToList();
        selected.Count.ShouldBe(2);

        // The same seed over the same population selects the same practitioners.
        var again = await OpenCampaign(body with { });
        again.GetProperty("selected").EnumerateArray().Select(e => e.GetGuid()).ShouldBe(selected);

        var campaignId = opened.GetProperty("campaignId").GetGuid();
        var campaign = await Get<JsonElement>($"/api/audit/cpd-campaigns/{campaignId}", AuditorToken);
        var recorded = campaign.GetProperty("campaign");
        recorded.GetProperty("seed").GetInt64().ShouldBe(20250101L);
        recorded.GetProperty("populationSequence").GetInt64().ShouldBeGreaterThan(0);
        var weights = recorded.GetProperty("population").EnumerateArray()
            .ToDictionary(p => p.GetProperty("practitionerId").GetGuid(), p => p.GetProperty("weight").GetDecimal());
        attested.ShouldAllBe(a => weights[a] == 1m);
        selfClaimed.ShouldAllBe(s => weights[s] == 5m);
        campaign.GetProperty("audits").EnumerateArray().Select(a => a.GetProperty("practitionerId").GetGuid()).ShouldBe(selected);
        campaign.GetProperty("audits").EnumerateArray().ShouldAllBe(a => a.GetProperty("state").GetString() == "awaiting-evidence");
        (await Get<JsonElement>("/api/audit/cpd-campaigns", AuditorToken)).GetArrayLength().ShouldBe(2);

        var audited = selected[0];
        var audits = await Get<JsonElement>($"/api/practitioners/{audited}/cpd-audits", PractitionerToken(audited));
        audits.GetArrayLength().ShouldBe(2);
        audits[0].GetProperty("activities").GetArrayLength().ShouldBe(1);
        Entries(await TimelineOf(audited), "cpd-audit-started").Count().ShouldBe(2);

        var reproduced = await As(AuditorToken, s => s.Post.Url($"/api/audit/cpd-campaigns/{campaignId}/reproduce"));
        var answer = await reproduced.Json();
        answer.GetProperty("reproduced").GetBoolean().ShouldBeTrue();
        answer.GetProperty("selected").EnumerateArray().Select(e => e.GetGuid()).ShouldBe(selected);

        // Someone edits a logged activity's points in the database, behind the ledger's back.
        (await Sql($"update ledger.mt_events set data = jsonb_set(data, '{{points}}', '3') where stream_id = '{selfClaimed[0]}' and type = 'cpd_activity_logged'"))
            .ShouldBe(1);
        answer = await (await As(AuditorToken, s => s.Post.Url($"/api/audit/cpd-campaigns/{campaignId}/reproduce"))).Json();
        answer.GetProperty("reproduced").GetBoolean().ShouldBeFalse();
        answer.Str("detail").ShouldContain(selfClaimed[0].ToString());
    }

    [Fact]
    public async Task campaign_input_is_checked_field_by_field()
    {
        await ShouldBeBadRequest(AuditorToken, "/api/audit/cpd-campaigns",
            """{"name":"x","periodFrom":"2025-01-01","periodTo":"2025-12-31","sampleSize":2,"sampleRate":0.1}""", "sampleSize");
        await ShouldBeBadRequest(AuditorToken, "/api/audit/cpd-campaigns",
            """{"name":"x","periodFrom":"2025-01-01","periodTo":"2024-12-31","sampleRate":0.1}""", "periodTo");
        await ShouldBeBadRequest(AuditorToken, "/api/audit/cpd-campaigns",
            """{"name":"x","periodFrom":"2025-01-01","periodTo":"2025-12-31","sampleRate":1.5}""", "sampleRate");
        await ShouldBeBadRequest(AuditorToken, "/api/audit/cpd-campaigns",
            """{"name":"x","periodFrom":"2025-01-01","periodTo":"2025-12-31","sampleRate":0.5,"seed":-1}""", "seed");
        await As(AdminToken, s =>
        {
            s.Post.Json(new { name = "x", periodFrom = "2025-01-01", periodTo = "2025-12-31", sampleRate = 0.5 }).ToUrl("/api/audit/cpd-campaigns");
            s.StatusCodeShouldBe(403);
        });
    }

    private async Task<(Guid Practitioner, Guid Audit, Guid Activity)> OneAudit(int responseDays = 30)
    {
        Today(On("2026-06-15"));
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", On("2025-01-10"));
        var activity = await LogCourse(id, 15, On("2025-05-11"), null, "professional-experience", "Ran the portfolio review");
        await LogCourse(id, 6, On("2025-05-12"), null, "community");
        var opened = await OpenCampaign(new
        {
            name = "Spot check", periodFrom = On("2025-05-11"), periodTo = On("2025-05-11"), sampleSize = 1, responseDays
        });
        var audits = await Get<JsonElement>($"/api/practitioners/{id}/cpd-audits", PractitionerToken(id));
        opened.GetProperty("selected")[0].GetGuid().ShouldBe(id);
        return (id, audits[0].GetProperty("id").GetGuid(), activity);
    }

    private Task<IScenarioResult> Upload(Guid id, Guid audit, Guid activity, byte[]? file, string fileName = "certificate.pdf",
        string contentType = "application/pdf", int status = 201, string? evidenceUrl = null) => As(PractitionerToken(id), s =>
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(activity.ToString()), "activityId" },
            { new StringContent("Attendance certificate from the review board."), "note" }
        };
        if (evidenceUrl is not null) form.Add(new StringContent(evidenceUrl), "evidenceUrl");
        if (file is not null)
        {
            var part = new ByteArrayContent(file);
            part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            form.Add(part, "file", fileName);
        }
        s.Post.Url($"/api/practitioners/{id}/cpd-audits/{audit}/evidence");
        s.ConfigureHttpContext(c =>
        {
            c.Request.ContentType = form.Headers.ContentType!.ToString();
            var bytes = form.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            c.Request.ContentLength = bytes.Length;
            c.Request.Body = new MemoryStream(bytes);
        });
        s.StatusCodeShouldBe(status);
    });

    [Fact]
    public async Task evidence_files_are_checked_by_content_and_size_hashed_in_the_event_and_downloaded_byte_identical()
    {
        var (id, audit, activity) = await OneAudit();

        var created = await (await Upload(id, audit, activity, Pdf)).Json();
        var evidenceId = created.GetProperty("evidenceId").GetGuid();
        created.Str("sha256").ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Pdf)));

        await using (var session = Store.QuerySession())
        {
            var submitted = (await session.Events.FetchStreamAsync(id)).Select(e => e.Data).OfType<PmoLedger.Features.Cpd.CpdEvidenceSubmitted>().Single();
            submitted.File!.ShouldBe(new PmoLedger.Features.Cpd.EvidenceFile(Convert.ToHexStringLower(SHA256.HashData(Pdf)), Pdf.Length,
                "application/pdf"));
        }

        foreach (var token in new[] { PractitionerToken(id), AuditorToken })
        {
            var download = await As(token, s => s.Get.Url($"/api/practitioners/{id}/cpd-audits/{audit}/evidence/{evidenceId}"));
            download.Context.Response.ContentType.ShouldBe("application/pdf");
            using var body = new MemoryStream();
            await download.Context.Response.Body.CopyToAsync(body);
            body.ToArray().ShouldBe(Pdf);
        }
        await As(AdminToken, s =>
        {
            s.Get.Url($"/api/practitioners/{id}/cpd-audits/{audit}/evidence/{evidenceId}");
            s.StatusCodeShouldBe(403);
        });

        // A Windows executable named like a PDF and declared as one.
        byte[] executable = [0x4D, 0x5A, 0x90, 0x00, .. RandomNumberGenerator.GetBytes(500)];
        var refused = await Upload(id, audit, activity, executable, "minutes.pdf", status: 415);
        refused.Context.Response.ContentType.ShouldBe("application/problem+json");
        (await refused.Json()).Str("detail").ShouldContain("'file'");

        byte[] tooLarge = [.. "%PDF-"u8.ToArray(), .. new byte[10 * 1024 * 1024]];
        var large = await Upload(id, audit, activity, tooLarge, status: 413);
        large.Context.Response.ContentType.ShouldBe("application/problem+json");

        var evidence = (await Get<JsonElement>($"/api/audit/cpd-audits/{audit}", AuditorToken)).GetProperty("evidence");
        evidence.GetArrayLength().ShouldBe(1);
        evidence[0].Str("note").ShouldBe("Attendance certificate from the review board.");
    }

    [Fact]
    public async Task a_rejected_activity_stops_counting_at_once_the_timeline_says_why_and_the_audit_concludes_failed()
    {
        var (id, audit, activity) = await OneAudit();
        await Upload(id, audit, activity, file: null, evidenceUrl: "https://example.org/review-minutes");
        FirstPeriod(await Ledger(id)).GetProperty("countedPoints").GetDecimal().ShouldBe(21m);
        var events = await EventCountFor(id);

        await As(AuditorToken, s =>
        {
            s.Post.Json(new { decision = "rejected", reason = "The minutes do not show the practitioner ran the review." })
                .ToUrl($"/api/audit/cpd-audits/{audit}/activities/{activity}/decision");
            s.StatusCodeShouldBe(204);
        });

        var period = FirstPeriod(await Ledger(id));
        period.GetProperty("countedPoints").GetDecimal().ShouldBe(6m);
        period.GetProperty("met").GetBoolean().ShouldBeFalse();
        var entry = EntryOf(period, activity);
        entry.GetProperty("counted").GetDecimal().ShouldBe(0m);
        entry.Str("notCountedBecause").ShouldContain(audit.ToString());
        entry.Str("title").ShouldBe("Ran the portfolio review");   // still recorded
        var timeline = await TimelineOf(id);
        Entries(timeline, "cpd-activity-rejected").Single().Str("summary").ShouldContain("do not show the practitioner ran the review");
        Entries(timeline, "cpd-logged").Single(e => e.GetProperty("ref").GetGuid() == activity).Str("status").ShouldBe("rejected");
        (await EventCountFor(id)).ShouldBe(events + 1);

        await As(AuditorToken, s =>
        {
            s.Post.Json(new { decision = "accepted" }).ToUrl($"/api/audit/cpd-audits/{audit}/activities/{activity}/decision");
            s.StatusCodeShouldBe(409);
        });
        await As(AuditorToken, s =>
        {
            s.Post.Url($"/api/audit/cpd-audits/{audit}/conclude");
            s.StatusCodeShouldBe(204);
        });
        var state = (await Get<JsonElement>($"/api/practitioners/{id}/cpd-audits", PractitionerToken(id)))[0];
        state.Str("outcome").ShouldBe("failed");
        state.Str("state").ShouldBe("concluded");
    }

    [Fact]
    public async Task a_rejected_activity_no_longer_counts_towards_renewal()
    {
        // Periods one and two are met; the activity under audit is what meets period one.
        Today(On("2027-12-01"));
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", On("2025-01-10"));
        var activity = await LogCourse(id, 15, On("2025-05-11"), null, "professional-experience", "Ran the portfolio review");
        await LogCourse(id, 5, On("2025-05-12"), null, "community");
        await LogCourse(id, 15, On("2026-05-11"), null, "professional-experience");
        await LogCourse(id, 5, On("2026-05-12"), null, "community");
        await OpenCampaign(new { name = "Spot check", periodFrom = On("2025-05-11"), periodTo = On("2025-05-11"), sampleSize = 1 });
        var audit = (await Get<JsonElement>($"/api/practitioners/{id}/cpd-audits", PractitionerToken(id)))[0].GetProperty("id").GetGuid();

        await RejectAndSettle(audit, activity);
        FirstPeriod(await Ledger(id)).GetProperty("met").GetBoolean().ShouldBeFalse();

        // Period three's points would complete the cycle had the rejected activity still counted: no renewal.
        await LogCourse(id, 15, On("2027-05-11"), null, "professional-experience");
        await LogCourse(id, 5, On("2027-05-12"), null, "community");
        var cycle = (await Ledger(id)).GetProperty("cycles").EnumerateArray().ShouldHaveSingleItem();
        cycle.GetProperty("met").GetBoolean().ShouldBeFalse();
        cycle.GetProperty("periods").EnumerateArray().Select(p => p.GetProperty("met").GetBoolean()).ShouldBe([false, true, true]);
        Entries(await TimelineOf(id), "certification-renewed").ShouldBeEmpty();
        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.GetRawText().ShouldContain("renewal-due");
    }

    [Fact]
    public async Task a_renewal_by_cpd_that_stood_on_a_rejected_activity_is_withdrawn_and_the_certification_follows()
    {
        Today(On("2024-12-01"));
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", On("2022-01-10"));
        var activity = await LogCourse(id, 15, On("2022-05-11"), null, "professional-experience", "Ran the portfolio review");
        foreach (var year in new[] { 2022, 2023, 2024 })
        {
            if (year > 2022) await LogCourse(id, 15, new DateOnly(year, 5, 11), null, "professional-experience");
            await LogCourse(id, 5, new DateOnly(year, 5, 12), null, "community");
        }
        Entries(await TimelineOf(id), "certification-renewed").ShouldHaveSingleItem();
        await OpenCampaign(new { name = "Spot check", periodFrom = On("2022-05-11"), periodTo = On("2022-05-11"), sampleSize = 1 });
        var audit = (await Get<JsonElement>($"/api/practitioners/{id}/cpd-audits", PractitionerToken(id)))[0].GetProperty("id").GetGuid();
        Today(On("2025-06-01"));

        await RejectAndSettle(audit, activity);

        // The renewal stays in the history, marked withdrawn; the first cycle is current again, and its renewBy has passed.
        var timeline = await TimelineOf(id);
        Entries(timeline, "certification-renewed").Single().Str("status").ShouldBe("withdrawn");
        Entries(timeline, "certification-renewal-withdrawn").Single().Str("summary").ShouldContain("rejected an activity");
        Entries(timeline, "certification-expired").ShouldHaveSingleItem();
        var cycle = (await Ledger(id)).GetProperty("cycles").EnumerateArray().ShouldHaveSingleItem();
        (cycle.Str("renewBy"), cycle.Str("status"), cycle.GetProperty("met").GetBoolean()).ShouldBe(("2025-01-10", "expired", false));
        (await Get<JsonElement>($"/api/practitioners/{id}")).GetRawText().ShouldContain("\"expired\"");
    }

    [Fact]
    public async Task overdue_is_recorded_at_due_by_by_a_durable_scheduled_message()
    {
        var (id, audit, _) = await OneAudit(responseDays: 1);

        // The message waits in PostgreSQL, not in memory: that row is what a restarted node picks up.
        await using (var session = Store.QuerySession())
        {
            (await session.QueryAsync<int>(
                "select count(*)::int from ledger.wolverine_incoming_envelopes where status = 'Scheduled' and message_type like '%CpdAuditDue'"))
                .Single().ShouldBe(1);
        }

        // The day passes while the service is down: the ledger's clock moves past dueBy, and the stored message falls due.
        Clock.Offset += TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1);
        (await Sql("update ledger.wolverine_incoming_envelopes set execution_time = now() - interval '1 second' where message_type like '%CpdAuditDue'"))
            .ShouldBe(1);

        var state = await WaitFor(async () =>
            (await Get<JsonElement>($"/api/practitioners/{id}/cpd-audits", PractitionerToken(id)))[0], a => a.GetProperty("overdue").GetBoolean());
        state.Str("state").ShouldBe("overdue");
        Entries(await TimelineOf(id), "cpd-audit-overdue").ShouldHaveSingleItem();

        await As(AuditorToken, s =>
        {
            s.Post.Url($"/api/audit/cpd-audits/{audit}/conclude");
            s.StatusCodeShouldBe(204);
        });
        (await Get<JsonElement>($"/api/practitioners/{id}/cpd-audits", PractitionerToken(id)))[0].Str("outcome").ShouldBe("no-response");
    }

    /// <summary>Rejects an activity and waits for the certifications to be settled again (the cascaded message), not for a time.</summary>
    private Task RejectAndSettle(Guid audit, Guid activity) => Host.ExecuteAndWaitAsync(async (IMessageContext _) => await As(AuditorToken, s =>
    {
        s.Post.Json(new { decision = "rejected", reason = "Not evidenced." }).ToUrl($"/api/audit/cpd-audits/{audit}/activities/{activity}/decision");
        s.StatusCodeShouldBe(204);
    }), 30_000);

    private static async Task<int> Sql(string sql)
    {
        await using var connection = new NpgsqlConnection(TestDatabases.ApiTests);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Waits for a condition the service reaches on its own (a scheduled message), never for a span of wall-clock time.</summary>
    private static async Task<T> WaitFor<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(100);
        }
    }
}
