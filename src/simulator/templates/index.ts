/**
 * Building templates a simulator can start from. Each is a partial building description; the
 * configuration schema (`../config.ts`) fills every omitted field with its default.
 */
import type { BuildingInput } from "../config.ts";
import { campus } from "./campus.ts";
import { officeTower } from "./office-tower.ts";
import { retailRtu } from "./retail-rtu.ts";

export interface Template {
  /** Stable name used in configurations (`template: office-tower`). */
  name: string;
  dis: string;
  description: string;
  building: BuildingInput;
}

/** All templates by name. */
export const TEMPLATES: Readonly<Record<string, Template>> = {
  "office-tower": officeTower,
  "retail-rtu": retailRtu,
  campus,
};

/** The template with this name, or undefined. */
export function getTemplate(name: string): Template | undefined {
  return Object.hasOwn(TEMPLATES, name) ? TEMPLATES[name] : undefined;
}

/** Name, display name and description of every template, for pickers. */
export function listTemplates(): Array<{ name: string; dis: string; description: string }> {
  return Object.values(TEMPLATES).map(({ name, dis, description }) => ({ name, dis, description }));
}
