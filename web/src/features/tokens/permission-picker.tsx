import { useId } from 'react';
import { FieldError } from '../../components/field';
import { presetDescriptions, presetLabels } from './token-labels';
import type { PermissionPreset, PermissionResource } from './tokens.operations';

const presets: PermissionPreset[] = ['ALL', 'READ_ONLY', 'CLI', 'CUSTOM'];

/**
 * What a choice grants against today's catalogue, in catalogue order: for a preset, the actions
 * the server lists it under (`PermissionAction.presets`); for CUSTOM, the ticked ones.
 */
export function grantedPermissions(
  catalogue: readonly PermissionResource[],
  preset: PermissionPreset,
  selected: ReadonlySet<string>,
): string[] {
  return catalogue
    .flatMap((resource) => resource.actions)
    .filter((action) =>
      preset === 'CUSTOM' ? selected.has(action.permission) : action.presets.includes(preset),
    )
    .map((action) => action.permission);
}

/** The catalogue a viewer may grant: members never see admin-only actions (the server refuses them). */
export function grantableCatalogue(
  catalogue: readonly PermissionResource[],
  isAdmin: boolean,
): PermissionResource[] {
  if (isAdmin) return [...catalogue];
  return catalogue
    .map((resource) => ({ ...resource, actions: resource.actions.filter((action) => !action.adminOnly) }))
    .filter((resource) => resource.actions.length > 0);
}

type PermissionPickerProps = {
  catalogue: readonly PermissionResource[];
  preset: PermissionPreset;
  selected: ReadonlySet<string>;
  error: string | undefined;
  onPresetChange: (preset: PermissionPreset) => void;
  onSelectedChange: (selected: Set<string>) => void;
};

/** Preset radios, the Custom resource × action grid and a preview of what the choice grants today. */
export function PermissionPicker(props: PermissionPickerProps) {
  const { catalogue, preset, selected, error, onPresetChange, onSelectedChange } = props;
  const groupName = useId();
  const errorId = `${groupName}-error`;
  const granted = grantedPermissions(catalogue, preset, selected);

  return (
    <fieldset className="fieldset" aria-describedby={error ? errorId : undefined}>
      <legend>Permissions</legend>
      {presets.map((value) => (
        <div className="choice" key={value}>
          <input
            type="radio"
            id={`${groupName}-${value}`}
            name={groupName}
            value={value}
            checked={preset === value}
            onChange={() => onPresetChange(value)}
            aria-describedby={`${groupName}-${value}-hint`}
          />
          <label htmlFor={`${groupName}-${value}`}>{presetLabels[value]}</label>
          <p id={`${groupName}-${value}-hint`} className="hint choice-hint">
            {presetDescriptions[value]}
          </p>
        </div>
      ))}
      {preset === 'CUSTOM' ? (
        <CustomGrid catalogue={catalogue} selected={selected} onChange={onSelectedChange} />
      ) : null}
      <FieldError id={errorId} message={error} />
      <section className="preview" aria-labelledby={`${groupName}-preview`}>
        <h3 id={`${groupName}-preview`}>What this token can do today</h3>
        {granted.length > 0 ? (
          <ul className="permission-list">
            {granted.map((permission) => (
              <li key={permission}>
                <code>{permission}</code>
              </li>
            ))}
          </ul>
        ) : (
          <p>No permissions selected yet.</p>
        )}
        <p className="hint">A token never does more than your account is allowed to do.</p>
      </section>
    </fieldset>
  );
}

type CustomGridProps = {
  catalogue: readonly PermissionResource[];
  selected: ReadonlySet<string>;
  onChange: (selected: Set<string>) => void;
};

function CustomGrid({ catalogue, selected, onChange }: CustomGridProps) {
  const toggle = (permissions: string[], on: boolean) => {
    const next = new Set(selected);
    for (const permission of permissions) {
      if (on) next.add(permission);
      else next.delete(permission);
    }
    onChange(next);
  };
  return (
    <div className="permission-grid">
      {catalogue.map((resource) => (
        <ResourceRow key={resource.name} resource={resource} selected={selected} onToggle={toggle} />
      ))}
    </div>
  );
}

type ResourceRowProps = {
  resource: PermissionResource;
  selected: ReadonlySet<string>;
  onToggle: (permissions: string[], on: boolean) => void;
};

function ResourceRow({ resource, selected, onToggle }: ResourceRowProps) {
  const id = useId();
  const permissions = resource.actions.map((action) => action.permission);
  const count = permissions.filter((permission) => selected.has(permission)).length;
  const all = permissions.length > 0 && count === permissions.length;
  const partial = count > 0 && !all;

  return (
    <fieldset className="resource">
      <legend className="visually-hidden">{resource.name} permissions</legend>
      <div className="resource-head">
        <input
          type="checkbox"
          id={id}
          checked={all}
          ref={(element) => {
            if (element) element.indeterminate = partial;
          }}
          onChange={() => onToggle(permissions, !all)}
          aria-describedby={`${id}-description`}
        />
        <label htmlFor={id} className="resource-name">
          {resource.name}
        </label>
        <span id={`${id}-description`} className="hint">
          {resource.description}
        </span>
      </div>
      <ul className="resource-actions">
        {resource.actions.map((action) => (
          <li key={action.permission} className="choice">
            <input
              type="checkbox"
              id={`${id}-${action.name}`}
              checked={selected.has(action.permission)}
              onChange={(event) => onToggle([action.permission], event.target.checked)}
              aria-describedby={`${id}-${action.name}-description`}
            />
            <label htmlFor={`${id}-${action.name}`}>
              <code>{action.permission}</code>
            </label>
            <span id={`${id}-${action.name}-description`} className="hint">
              {action.description}
            </span>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}
