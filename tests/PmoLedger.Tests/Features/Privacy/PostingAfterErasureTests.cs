using System.Text.Json;
using PmoLedger.Tests.Features.Providers;

namespace PmoLedger.Tests.Features.Privacy;

/// <summary>
/// Facts may still be posted for an erased practitioner, personal text may not; in a batch that refusal
/// is one item's 409, never the whole batch's failure.
/// </summary>
public class PostingAfterErasureTests(AppFixture fixture) : ProviderContext(fixture)
{
    [Fact]
    public async Task a_batch_item_with_evidence_for_an_erased_practitioner_is_409_and_the_others_are_recorded()
    {
        var provider = await RegisterProvider();
        var erased = await RegisterPractitioner("Erin Erased", "erin.erased@example.org");
        var other = await RegisterPractitioner("Otto Other", "otto.other@example.org");
        await As(AdminToken, s =>
        {
            s.Post.Json(new { reason = "Subject's request, ticket 99" }).ToUrl($"/api/practitioners/{erased}/erase");
            s.StatusCodeShouldBe(204);
        });

        var batch = new
        {
            items = new object[]
            {
                new { practitionerId = erased, providerReference = "b-1", course = new { code = "PMO-101", title = "Intro" },
                      completedOn = "2026-01-15", outcome = "passed", cpdPoints = 7, evidenceUrl = "https://example.org/c/1" },
                new { practitionerId = erased, providerReference = "b-2", course = new { code = "PMO-102", title = "Next" },
                      completedOn = "2026-01-16", outcome = "passed", cpdPoints = 7 },
                new { practitionerId = other, providerReference = "b-3", course = new { code = "PMO-101", title = "Intro" },
                      completedOn = "2026-01-15", outcome = "passed", cpdPoints = 7, evidenceUrl = "https://example.org/c/3" }
            }
        };
        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Json(batch).ToUrl("/api/completions/batch");
            s.StatusCodeShouldBe(200);
        });

        var statuses = (await result.Json()).GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("status").GetInt32()).ToList();
        statuses.ShouldBe([409, 201, 201]);
        (await Get<JsonElement>($"/api/practitioners/{other}")).GetProperty("completions").GetInt32().ShouldBe(1);
        (await Get<JsonElement>($"/api/practitioners/{erased}")).GetProperty("completions").GetInt32().ShouldBe(1);
    }
}
