/** Experiments that combine training, pretraining and evaluation into one resumable command. */
export { runTable2, type Table2Options, type Table2Result } from './table2/run.ts';
export { readBudget, budgetSchema, type Budget } from './table2/budget.ts';
export { SETTINGS, type Setting } from './table2/settings.ts';
