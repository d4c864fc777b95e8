using System.Text.Json;
using Alba;
using PmoLedger.Tests.Features.Providers;

namespace PmoLedger.Tests.Features.Completions;

public class ProviderCompletionsViewTests(AppFixture fixture) : ProviderContext(fixture)
{
    private async Task<JsonElement> View(string apiKey, Guid providerId, string query = "") =>
        await (await WithKey(apiKey, s => s.Get.Url($"/api/providers/{providerId}/completions{query}"))).Json();

    private static IEnumerable<string> References(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.Str("providerReference"));

    [Fact]
    public async Task a_provider_sees_its_own_postings_ordered_by_date_and_filtered()
    {
        var academy = await RegisterProvider("PMO Academy");
        var rival = await RegisterProvider("Rival Training");
        var ada = await RegisterPractitioner();
        var bob = await RegisterPractitioner();
        await Complete(academy.ApiKey, ada, Completion("a-3", code: "PMO-101", completedOn: "2026-03-01"));
        await Complete(academy.ApiKey, bob, Completion("a-1", code: "PMO-201", completedOn: "2026-01-01"));
        await Complete(academy.ApiKey, ada, Completion("a-2", code: "PMO-101", completedOn: "2026-02-01"));
        await Complete(rival.ApiKey, ada, Completion("r-1", completedOn: "2026-02-01"));

        var all = await View(academy.ApiKey, academy.Id);
        References(all).ShouldBe(["a-1", "a-2", "a-3"]);
        all.GetProperty("total").GetInt32().ShouldBe(3);
        all.GetProperty("page").GetInt32().ShouldBe(1);
        all.GetProperty("pageSize").GetInt32().ShouldBe(50);

        var first = all.GetProperty("items")[0];
        first.GetProperty("practitionerId").GetGuid().ShouldBe(bob);
        first.GetProperty("course").Str("code").ShouldBe("PMO-201");
        first.Str("completedOn").ShouldBe("2026-01-01");
        first.Str("outcome").ShouldBe("passed");
        first.Str("status").ShouldBe("active");

        References(await View(academy.ApiKey, academy.Id, "?since=2026-02-01")).ShouldBe(["a-2", "a-3"]);
        References(await View(academy.ApiKey, academy.Id, "?until=2026-02-01")).ShouldBe(["a-1", "a-2"]);
        References(await View(academy.ApiKey, academy.Id, "?course=PMO-101&until=2026-02-28")).ShouldBe(["a-2"]);

        var paged = await View(academy.ApiKey, academy.Id, "?page=2&pageSize=2");
        References(paged).ShouldBe(["a-3"]);
        paged.GetProperty("total").GetInt32().ShouldBe(3);
    }

    [Fact]
    public async Task a_revoked_posting_stays_in_the_view_marked_revoked()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var id = await Complete(provider.ApiKey, ada, Completion());
        await WithKey(provider.ApiKey, s =>
        {
            s.Post.Json(new { reason = "Entered twice" }).ToUrl($"/api/completions/{id}/revoke");
            s.StatusCodeShouldBe(204);
        });

        var item = (await View(provider.ApiKey, provider.Id)).GetProperty("items").EnumerateArray().Single();
        item.Str("status").ShouldBe("revoked");
        item.Str("revokedReason").ShouldBe("Entered twice");
        item.GetProperty("completionId").GetGuid().ShouldBe(id);
    }

    [Fact]
    public async Task admins_and_auditors_read_any_providers_view_and_other_providers_may_not()
    {
        var academy = await RegisterProvider("PMO Academy");
        var rival = await RegisterProvider("Rival Training");
        var ada = await RegisterPractitioner();
        await Complete(academy.ApiKey, ada, Completion());

        foreach (var token in new[] { AdminToken, AuditorToken })
            (await Get<JsonElement>($"/api/providers/{academy.Id}/completions", token)).GetProperty("total").GetInt32().ShouldBe(1);

        await WithKey(rival.ApiKey, s =>
        {
            s.Get.Url($"/api/providers/{academy.Id}/completions");
            s.StatusCodeShouldBe(403);
        });
        await As(PractitionerToken(ada), s =>
        {
            s.Get.Url($"/api/providers/{academy.Id}/completions");
            s.StatusCodeShouldBe(403);
        });
        await As(AdminToken, s =>
        {
            s.Get.Url($"/api/providers/{Guid.NewGuid()}/completions");
            s.StatusCodeShouldBe(404);
        });
    }

    [Theory]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=201", "pageSize")]
    [InlineData("?page=0", "page")]
    [InlineData("?page=-1", "page")]
    [InlineData("?page=two", "page")]
    [InlineData("?since=2026-13-01", "since")]
    [InlineData("?until=yesterday", "until")]
    [InlineData("?since=2026-02-01&until=2026-01-01", "until")]
    public async Task bad_paging_or_dates_are_400_naming_the_parameter(string query, string field)
    {
        var provider = await RegisterProvider();
        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Get.Url($"/api/providers/{provider.Id}/completions{query}");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await result.Json()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }
}
