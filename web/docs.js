// Renders /v1/openapi.json with Swagger UI (served from our own origin: no CDN, works under the CSP).
window.SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#reference', deepLinking: true });
