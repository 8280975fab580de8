// The template gallery (issue 17, item 5): GET /v1/templates, shown by
// category with what each template needs from this workspace.
import { messageOf } from "$lib/api";
import { type TemplateSummary, travelEndpoints } from "$lib/api-travel";
import { byCategory } from "$lib/model/template-words";

export class TemplateGallery {
  items = $state<TemplateSummary[]>([]);
  loading = $state(true);
  error = $state("");

  readonly groups = $derived(byCategory(this.items));

  async load(): Promise<void> {
    this.loading = true;
    this.error = "";
    try {
      this.items = (await travelEndpoints.templates()).items;
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }
}
