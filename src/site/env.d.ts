// Types for import.meta.env (BASE_URL) and .astro modules when tsc checks src/site/lib.
/// <reference types="astro/client" />
