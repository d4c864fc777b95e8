using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace PmoLedger.Infrastructure;

public static class OpenApiSetup
{
    /// <summary>Declares both credentials so the docs page can send them, and groups routes by feature.</summary>
    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "PmoLedger API";
            document.Info.Description = "The system of record for PMO practitioners' learning and careers.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
                Description = "Admin, auditor or practitioner token (`token` command in development)."
            };
            document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key",
                Description = "Training provider key, issued by an admin."
            };
            document.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] }
            ];
            // One tag per feature folder (see the operation transformer below).
            document.Tags = document.Tags?.Select(t => t.Name?.Split(".Features.") is [_, var rest] ? rest.Split('.')[0] : t.Name)
                .Distinct().Select(name => new OpenApiTag { Name = name }).ToHashSet();
            return Task.CompletedTask;
        });

        // Wolverine tags each route with its endpoint class; group by feature folder (Practitioners, Providers, …) instead.
        options.AddOperationTransformer((operation, context, _) =>
        {
            var feature = operation.Tags?.Select(t => t.Name).FirstOrDefault(n => n?.Contains(".Features.") == true)
                ?.Split(".Features.")[1].Split('.')[0];
            if (feature is not null) operation.Tags = new HashSet<OpenApiTagReference> { new(feature, context.Document) };
            return Task.CompletedTask;
        });
    }
}
