using System.Text.Json;
using Alba;
using PmoLedger.Features.Practitioners;
using PmoLedger.Tests.Features.Audit;

namespace PmoLedger.Tests.Features.Practitioners;

public class CorrectingDetailsTests(AppFixture fixture) : AuditContext(fixture)
{
    private Task<IScenarioResult> Correct(Guid id, object body, string token, int status) => As(token, s =>
    {
        s.Patch.Json(body).ToUrl($"/api/practitioners/{id}");
        s.StatusCodeShouldBe(status);
    });

    [Fact]
    public async Task a_correction_changes_the_profile_and_is_on_the_timeline_and_in_the_audit_history()
    {
        var id = await RegisterPractitioner("Jon Smtih", "jon@example.org");
        await Correct(id, new { fullName = "Jon Smith", email = "jon.smith@example.org" }, PractitionerToken(id), 204);

        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.Str("fullName").ShouldBe("Jon Smith");
        profile.Str("email").ShouldBe("jon.smith@example.org");

        var entry = (await Get<JsonElement>($"/api/practitioners/{id}/timeline")).GetProperty("entries").EnumerateArray()
            .Single(e => e.Str("kind") == "details-corrected");
        entry.Str("summary").ShouldContain("'Jon Smtih' to 'Jon Smith'");
        entry.Str("summary").ShouldContain("'jon@example.org' to 'jon.smith@example.org'");

        var history = await Get<JsonElement>($"/api/audit/practitioners/{id}/events", AuditorToken);
        var corrected = history.EnumerateArray().Single(e => e.Str("type").Contains("corrected"));
        corrected.Str("recordedBy").ShouldBe($"practitioner:{id}");
        var data = corrected.GetProperty("data");
        data.Str("previousFullName").ShouldBe("Jon Smtih");
        data.Str("fullName").ShouldBe("Jon Smith");
        data.Str("previousEmail").ShouldBe("jon@example.org");
        data.Str("correctedBy").ShouldBe($"practitioner:{id}");
    }

    [Fact]
    public async Task the_email_index_follows_the_correction()
    {
        var id = await RegisterPractitioner("Jon Smith", "old@example.org");
        await Correct(id, new { email = "New@Example.org" }, AdminToken, 204);

        (await Get<JsonElement>("/api/practitioners?email=new@example.org")).GetProperty("id").GetGuid().ShouldBe(id);
        await As(AdminToken, s =>
        {
            s.Get.Url("/api/practitioners?email=old@example.org");
            s.StatusCodeShouldBe(404);
        });
        // The old address is free for someone else.
        await RegisterPractitioner("Someone Else", "old@example.org");
    }

    [Fact]
    public async Task an_email_that_belongs_to_someone_else_is_409_and_changes_nothing()
    {
        await RegisterPractitioner("Taken", "taken@example.org");
        var id = await RegisterPractitioner("Jon Smith", "jon@example.org");
        var before = await EventCount();

        var result = await Correct(id, new { fullName = "Jonathan Smith", email = "TAKEN@example.org" }, AdminToken, 409);
        (await result.Json()).Str("detail").ShouldContain("email");

        (await EventCount()).ShouldBe(before);
        (await Get<JsonElement>($"/api/practitioners/{id}")).Str("fullName").ShouldBe("Jon Smith");
    }

    [Fact]
    public async Task only_the_practitioner_or_an_admin_may_correct()
    {
        var id = await RegisterPractitioner();
        await Correct(id, new { fullName = "X" }, PractitionerToken(Guid.NewGuid()), 403);
        await Correct(id, new { fullName = "X" }, AuditorToken, 403);
        await Correct(Guid.NewGuid(), new { fullName = "X" }, AdminToken, 404);
    }

    [Theory]
    [InlineData("""{}""", "body")]
    [InlineData("""{"fullName":""}""", "fullName")]
    [InlineData("""{"email":"not-an-email"}""", "email")]
    [InlineData("""{"fulName":"Typo"}""", "fulName")]
    public async Task bad_corrections_are_400_naming_the_field(string body, string field)
    {
        var id = await RegisterPractitioner();
        var result = await As(AdminToken, s =>
        {
            s.Patch.Text(body).ToUrl($"/api/practitioners/{id}");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await result.Json()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
        (await EventCount()).ShouldBe(1);
    }

    [Fact]
    public void the_decision_records_only_what_changed()
    {
        var current = new Practitioner { Id = Guid.NewGuid(), FullName = "Jon Smith", Email = "jon@example.org" };
        var today = new DateOnly(2026, 3, 1);

        CorrectDetailsEndpoint.Decide(current, new CorrectDetails(" Jon Smith ", "jon@example.org"), "admin", today).ShouldBeNull();

        var corrected = CorrectDetailsEndpoint.Decide(current, new CorrectDetails(null, "jon@example.net"), "admin", today)!;
        corrected.FullName.ShouldBeNull();
        corrected.PreviousFullName.ShouldBeNull();
        corrected.Email!.Text.ShouldBe("jon@example.net");
        corrected.PreviousEmail!.Text.ShouldBe("jon@example.org");
        // Sealed under the practitioner's own key, so their erasure covers the old and new values alike.
        corrected.Email.KeyId.ShouldBe(current.Id);
        corrected.PreviousEmail.KeyId.ShouldBe(current.Id);
        corrected.CorrectedBy.ShouldBe("admin");
        corrected.CorrectedOn.ShouldBe(today);
    }

    [Fact]
    public async Task the_event_row_holds_neither_the_old_nor_the_new_details_in_plain_text()
    {
        var id = await RegisterPractitioner("Jon Smtih", "jon.smtih@example.org");
        await Correct(id, new { fullName = "Jon Smith", email = "jon.smith@example.org" }, AdminToken, 204);

        var type = await Scalar<string>("select type from ledger.mt_events where stream_id = $1 and version = 2", id);
        type.ShouldContain("corrected");
        var row = await Scalar<string>("select data::text from ledger.mt_events where stream_id = $1 and version = 2", id);
        row.ShouldContain("ciphertext");
        foreach (var value in new[] { "Smtih", "Jon Smith", "jon.smith@", "jon.smtih@" }) row.ShouldNotContain(value);
    }

    [Fact]
    public async Task after_erasure_a_correction_is_409_and_records_nothing()
    {
        var id = await RegisterPractitioner("Jon Smith", "jon@example.org");
        await As(AdminToken, s =>
        {
            s.Post.Json(new { reason = "Subject's request" }).ToUrl($"/api/practitioners/{id}/erase");
            s.StatusCodeShouldBe(204);
        });
        var before = await EventCount();

        foreach (var body in new object[] { new { fullName = "Jon Smith" }, new { email = "jon.new@example.org" } })
        {
            var result = await Correct(id, body, AdminToken, 409);
            (await result.Json()).Str("detail").ShouldContain("erased");
        }

        (await EventCount()).ShouldBe(before);
        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.Str("fullName").ShouldBe("[erased]");
        profile.GetProperty("email").ValueKind.ShouldBe(JsonValueKind.Null);
        // The new address was not claimed either.
        await As(AdminToken, s =>
        {
            s.Get.Url("/api/practitioners?email=jon.new@example.org");
            s.StatusCodeShouldBe(404);
        });
    }
}
